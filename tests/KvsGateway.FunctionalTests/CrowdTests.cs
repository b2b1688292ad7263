using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Web;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Ingest;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;
using Microsoft.Extensions.DependencyInjection;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// Crowds of viewers of one stream, of two tenants, against the emulator with KVS's quotas on, the
/// origin watched by a counting hop: with sharing the origin sees about one viewer; without it (the
/// control) the emulator's quotas refuse a LIVE crowd, as KVS would.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class CrowdTests : IAsyncLifetime
{
    private const int Viewers = 200;
    private const string SecondTenantKeyId = "AKIDLIVEFANOUTTWO";
    private const string SecondTenantSecret = "live-fan-out-two-secret";

    private readonly RedisServer _redis = new();
    private GatewayHost _origin = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _origin = await GatewayHost.StartAsync(_redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _origin.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Two_hundred_live_viewers_of_two_tenants_cost_the_origin_one_session_and_one_fetch_per_fragment()
    {
        var run = await WatchAsync(sharing: true, TimeSpan.FromSeconds(30));

        Assert.Empty(run.Errors);
        Assert.InRange(run.Proxy.Paths.GetValueOrDefault("/getDASHStreamingSessionURL"), 1, 2);
        Assert.DoesNotContain(run.Proxy.Statuses.Keys, status => status >= 400);
        Assert.NotEmpty(run.Proxy.MediaFetches);
        Assert.All(run.Proxy.MediaFetches, fetch => Assert.Equal(1, fetch.Value));

        // Every viewer got every fragment it was listed byte-identical to every other viewer, and a
        // live viewer's worth of them (the fixture's fragments are 2 s; each viewer watched ~30 s).
        foreach (var fragment in run.Received.SelectMany(v => v).GroupBy(p => p.Key, p => p.Value))
        {
            Assert.Single(fragment.Distinct());
        }

        Assert.All(run.Received, viewer => Assert.True(viewer.Count(p => !p.Key.EndsWith("/init", StringComparison.Ordinal)) >= 10, $"{viewer.Count} fragments"));
        var origin = run.Proxy.Paths.GetValueOrDefault("/dash/v1/getMP4MediaFragment.mp4");
        var delivered = run.Received.Sum(v => v.Count(p => !p.Key.EndsWith("/init", StringComparison.Ordinal)));
        Assert.True(delivered >= 100 * origin, $"{delivered} media fragments delivered for {origin} fetched");
    }

    /// <summary>The control: the same crowd with the pool and the cache off is refused by the emulator's quotas.</summary>
    [Fact]
    public async Task Without_sharing_the_same_crowd_is_refused_by_the_origins_quotas()
    {
        var run = await WatchAsync(sharing: false, TimeSpan.FromSeconds(10));

        Assert.Contains(run.Errors, e => e.Contains("ClientLimitExceededException", StringComparison.Ordinal));
        Assert.True(run.Proxy.Statuses.GetValueOrDefault(400) > 0);
        Assert.True(run.Proxy.Paths.GetValueOrDefault("/getDASHStreamingSessionURL") > 25);
    }

    [Fact]
    public async Task One_hundred_on_demand_viewers_of_one_range_cost_the_origin_one_viewers_bytes_and_each_tenant_is_billed_what_its_viewers_received()
    {
        var stream = "acme-range-" + Guid.NewGuid().ToString("N")[..8];
        var since = await PlaybackFixture.IngestPlayableAsync(_origin.EmulatorClient(), stream, "h264-aac.mkv");
        await using var proxy = await CountingProxy.StartAsync(_origin.Emulator);
        var second = "range" + Guid.NewGuid().ToString("N")[..8];
        await using var gateway = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs:
        [
            "--Origin:Mode", "Remote", "--Origin:Endpoint", proxy.Url.ToString(),
            .. GatewayHost.TenantArgs(second, SecondTenantKeyId, SecondTenantSecret, $"Streams:1={stream}", "ControlPlaneRequestsPerSecond=1000", "SessionUrlsPerStreamPerSecond=1000", "DataEndpointsPerStreamPerSecond=1000"),
        ]);
        var input = new GetDashStreamingSessionUrlInput
        {
            StreamName = stream,
            PlaybackMode = "ON_DEMAND",
            DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = since, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.05) } },
        };
        var clients = new[] { gateway.GatewayClient(), gateway.GatewayClient(SecondTenantKeyId, SecondTenantSecret) };
        var urls = new List<Uri>();
        for (var i = 0; i < 100; i++)
        {
            urls.Add(new Uri((await clients[i % 2].GetDashStreamingSessionUrlAsync(input)).DashStreamingSessionUrl!));
        }

        using var http = new HttpClient { BaseAddress = gateway.Gateway };
        var played = await Task.WhenAll(urls.Select(url => PlayOnceAsync(http, url)));

        // Every viewer got the same fragments; the origin sent them about once.
        Assert.Single(played.Select(p => p.Fragments).Distinct());
        Assert.True(played[0].Fragments > 0);
        Assert.InRange(proxy.FragmentBytes, played[0].Fragments, (long)(played[0].Fragments * 1.05));
        Assert.Equal(1, proxy.Paths.GetValueOrDefault("/getDASHStreamingSessionURL"));

        // Billing is per viewer as before sharing: each tenant is billed what its viewers read, manifests included.
        var acme = played.Where((_, i) => i % 2 == 0).Sum(p => p.Total);
        var other = played.Where((_, i) => i % 2 == 1).Sum(p => p.Total);
        await MeteringTests.BilledReachesAsync(_redis.ConnectionString, "acme", b => b.GetValueOrDefault(stream) == acme);
        await MeteringTests.BilledReachesAsync(_redis.ConnectionString, second, b => b.GetValueOrDefault(stream) == other);
        Assert.Equal(acme, (await MeteringTests.BilledAsync(_redis.ConnectionString, "acme"))[stream]);
        Assert.Equal(other, (await MeteringTests.BilledAsync(_redis.ConnectionString, second))[stream]);

        // And per viewer: each session's usage is what that viewer read, though all read one origin session.
        var resolver = gateway.App.Services.GetRequiredService<KvsGateway.Sessions.PlaybackSessionResolver>();
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        for (var i = 0; i < urls.Count; i++)
        {
            var session = (await resolver.ResolveAsync(HttpUtility.ParseQueryString(urls[i].Query)["SessionToken"]!)).Session;
            var usage = await redis.GetDatabase().HashGetAllAsync(KvsGateway.Metering.UsageKeys.SessionUsage(session.Tenant, session.SessionId));
            Assert.Equal(played[i].Total, usage.Where(f => f.Name.ToString().EndsWith(".OutgoingBytes", StringComparison.Ordinal)).Sum(f => (long)f.Value));
        }
    }

    /// <summary>
    /// Viewers arriving faster than one origin session's budget allows (with the cache off, every
    /// fragment a viewer reads is an origin fetch: ~6 viewers a second of 6 media and 2 init
    /// fragments each, against KVS's 20 media and 5 init a second per session): the pool opens
    /// another origin session whenever one is found spent, so every viewer plays in full.
    /// </summary>
    [Fact]
    public async Task Viewers_beyond_one_origin_sessions_budget_are_given_another_origin_session()
    {
        var run = await ArriveAsync(replaceSpent: true);

        Assert.True(run.Errors.IsEmpty, "Viewers were refused: " + string.Join("; ", run.Errors));
        Assert.Single(run.Played.Select(p => p.Fragments).Distinct());

        // The budget keeps each origin session within KVS's limits, counting a request in the second
        // it is taken (and in the next too when taken within OriginLimits:TransitAllowance of its
        // end). A request held up longer than that on its way (a loaded machine: the test host runs
        // the gateway, the hop and the emulator in one process) reaches the origin in its next second
        // and may be refused there. That is all the origin may refuse, and the gateway fetches such a
        // fragment again, so no viewer above saw it. A broken budget shows above: refused again, the
        // viewer would see the throttle.
        Assert.All(run.Proxy.Refusals, refusal =>
        {
            Assert.True(refusal.Path.EndsWith("Fragment.mp4", StringComparison.Ordinal), refusal.ToString());
            Assert.StartsWith(KvsErrorTypes.ClientLimitExceeded, refusal.ErrorType, StringComparison.Ordinal);
        });
        Assert.InRange(run.Proxy.Paths.GetValueOrDefault("/getDASHStreamingSessionURL"), 2, run.Played.Length / 2);
    }

    /// <summary>The control: the same arrivals on one origin session wait past the limit and are refused.</summary>
    [Fact]
    public async Task Without_replacing_a_spent_origin_session_the_same_arrivals_are_refused()
    {
        var run = await ArriveAsync(replaceSpent: false);

        Assert.Contains(run.Errors, e => e.Contains("ClientLimitExceededException", StringComparison.Ordinal));
        Assert.Equal(1, run.Proxy.Paths.GetValueOrDefault("/getDASHStreamingSessionURL"));
    }

    private async Task<Arrivals> ArriveAsync(bool replaceSpent)
    {
        var stream = "acme-arrive-" + Guid.NewGuid().ToString("N")[..8];
        var since = await PlaybackFixture.IngestPlayableAsync(_origin.EmulatorClient(), stream, "h264-aac.mkv");
        var proxy = await CountingProxy.StartAsync(_origin.Emulator);
        try
        {
            await using var gateway = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs:
            [
                "--Origin:Mode", "Remote", "--Origin:Endpoint", proxy.Url.ToString(),
                "--Tenants:acme:ControlPlaneRequestsPerSecond", "1000", "--Tenants:acme:SessionUrlsPerStreamPerSecond", "1000",
                "--Playback:FragmentCacheBytes", "0", "--OriginSessions:ReplaceSpentSessions", replaceSpent ? "true" : "false",
            ]);
            var input = new GetDashStreamingSessionUrlInput
            {
                StreamName = stream,
                PlaybackMode = "ON_DEMAND",
                DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = since, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.05) } },
            };
            var client = gateway.GatewayClient();
            using var http = new HttpClient { BaseAddress = gateway.Gateway };
            var errors = new ConcurrentBag<string>();
            var viewers = new List<Task<(long Fragments, long Total)>>();
            for (var i = 0; i < 36; i++)
            {
                viewers.Add(Task.Run(async () =>
                {
                    try
                    {
                        return await PlayOnceAsync(http, new Uri((await client.GetDashStreamingSessionUrlAsync(input)).DashStreamingSessionUrl!));
                    }
                    catch (Exception ex) when (ex is HttpRequestException or KvsException)
                    {
                        errors.Add(ex is KvsException kvs ? kvs.ErrorType + ": " + kvs.Message : ex.Message);
                        return (-1, -1);
                    }
                }));
                await Task.Delay(160);
            }

            return new Arrivals(proxy, await Task.WhenAll(viewers), errors);
        }
        finally
        {
            await proxy.DisposeAsync();
        }
    }

    /// <summary>An ON_DEMAND player: the manifest, then each segment once; the bytes of the fragments and of everything read.</summary>
    private static async Task<(long Fragments, long Total)> PlayOnceAsync(HttpClient http, Uri url)
    {
        var bytes = await GetAsync(http, url.PathAndQuery);
        var manifest = System.Text.Encoding.UTF8.GetString(bytes);
        long total = bytes.Length;
        long fragments = 0;
        foreach (var segment in DashClient.SegmentUrls(url, manifest))
        {
            var body = await GetAsync(http, segment.PathAndQuery);
            fragments += body.Length;
        }

        return (fragments, total + fragments);
    }

    /// <summary>A body, or an exception naming the status and the KVS error type.</summary>
    private static async Task<byte[]> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        if (!response.IsSuccessStatusCode)
        {
            var type = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? string.Join(",", values) : "no error type";
            throw new HttpRequestException($"{(int)response.StatusCode} {type} at {DateTimeOffset.UtcNow:HH:mm:ss.fff} for {path}: {await response.Content.ReadAsStringAsync()}");
        }

        return await response.Content.ReadAsByteArrayAsync();
    }

    private async Task<Run> WatchAsync(bool sharing, TimeSpan duration)
    {
        var stream = "acme-crowd-" + Guid.NewGuid().ToString("N")[..8];
        var emulator = _origin.EmulatorClient();
        await emulator.CreateStreamAsync(new CreateStreamInput { StreamName = stream, DataRetentionInHours = 1 });
        using var stop = new CancellationTokenSource(duration + TimeSpan.FromSeconds(60));
        var persisted = 0;
        var producer = new MediaFileIngest(emulator, TimeProvider.System).RunAsync(stream, PlaybackFixture.FixturePath("h264-aac.mkv"), realtime: true, loop: true, ack =>
        {
            if (ack.EventType == "PERSISTED")
            {
                Interlocked.Increment(ref persisted);
            }
        }, stop.Token);

        var proxy = await CountingProxy.StartAsync(_origin.Emulator);
        try
        {
            var second = "crowd" + Guid.NewGuid().ToString("N")[..8];
            string[] args =
            [
                "--Origin:Mode", "Remote", "--Origin:Endpoint", proxy.Url.ToString(),
                "--Tenants:acme:ControlPlaneRequestsPerSecond", "1000",
                .. GatewayHost.TenantArgs(second, SecondTenantKeyId, SecondTenantSecret, $"Streams:1={stream}", "ControlPlaneRequestsPerSecond=1000", "SessionUrlsPerStreamPerSecond=1000", "DataEndpointsPerStreamPerSecond=1000"),
                .. sharing ? Array.Empty<string>() :
                [
                    "--OriginSessions:Enabled", "false", "--Playback:FragmentCacheBytes", "0",
                    "--OriginLimits:SessionUrlsPerStream", "100000", "--OriginLimits:MediaFragmentsPerStream", "100000", "--OriginLimits:MetadataPointsPerStream", "10000000",
                ],
            ];
            await using var gateway = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: args);
            while (Volatile.Read(ref persisted) < 4)
            {
                await Task.Delay(100, stop.Token);
            }

            // The viewers arrive over about four seconds, alternating tenants, and each watches for the duration.
            var clients = new[] { gateway.GatewayClient(), gateway.GatewayClient(SecondTenantKeyId, SecondTenantSecret) };
            var errors = new ConcurrentBag<string>();
            using var http = new HttpClient { BaseAddress = gateway.Gateway, Timeout = TimeSpan.FromSeconds(60) };
            var viewers = new List<Task<Dictionary<string, string>>>();
            for (var i = 0; i < Viewers; i++)
            {
                viewers.Add(ViewAsync(clients[i % 2], stream, http, DateTimeOffset.UtcNow + duration, errors, stop.Token));
                await Task.Delay(20, stop.Token);
            }

            var received = await Task.WhenAll(viewers);
            return new Run(proxy, received, errors);
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await producer;
            }
            catch (OperationCanceledException)
            {
                // The producer stops with the test.
            }

            await proxy.DisposeAsync();
        }
    }

    /// <summary>
    /// One LIVE player: a session, then the manifest once a second (its refresh cadence) and every
    /// segment it lists that it has not fetched yet, once. Returns what it received per (track,
    /// sequence number): a hash of the body; every failure goes into <paramref name="errors"/>.
    /// </summary>
    private static async Task<Dictionary<string, string>> ViewAsync(KvsClient client, string stream, HttpClient http, DateTimeOffset until, ConcurrentBag<string> errors, CancellationToken cancellationToken)
    {
        var received = new Dictionary<string, string>(StringComparer.Ordinal);
        Uri url;
        try
        {
            url = new Uri((await client.GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput { StreamName = stream, PlaybackMode = "LIVE" }, cancellationToken)).DashStreamingSessionUrl!);
        }
        catch (KvsGateway.Kvs.Errors.KvsException ex)
        {
            errors.Add($"session URL: {ex.ErrorType}");
            return received;
        }

        using var cadence = new PeriodicTimer(TimeSpan.FromSeconds(1));
        do
        {
            using var manifest = await http.GetAsync(url.PathAndQuery, cancellationToken);
            if (!manifest.IsSuccessStatusCode)
            {
                errors.Add($"manifest: {(int)manifest.StatusCode} {string.Join(',', manifest.Headers.TryGetValues("x-amzn-ErrorType", out var t) ? t : [])}");
                continue;
            }

            foreach (var segment in DashClient.SegmentUrls(url, await manifest.Content.ReadAsStringAsync(cancellationToken)))
            {
                var query = HttpUtility.ParseQueryString(segment.Query);
                var key = query["TrackNumber"] + "/" + (query["SequenceNumber"] ?? "init");
                if (received.ContainsKey(key))
                {
                    continue;
                }

                using var response = await http.GetAsync(segment.PathAndQuery, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    errors.Add($"{key}: {(int)response.StatusCode} {string.Join(',', response.Headers.TryGetValues("x-amzn-ErrorType", out var e) ? e : [])}");
                    continue;
                }

                received[key] = Convert.ToHexStringLower(SHA256.HashData(await response.Content.ReadAsByteArrayAsync(cancellationToken)));
            }
        }
        while (DateTimeOffset.UtcNow < until && await cadence.WaitForNextTickAsync(cancellationToken));

        return received;
    }

    private sealed record Arrivals(CountingProxy Proxy, (long Fragments, long Total)[] Played, ConcurrentBag<string> Errors);

    private sealed record Run(CountingProxy Proxy, Dictionary<string, string>[] Received, ConcurrentBag<string> Errors);
}
