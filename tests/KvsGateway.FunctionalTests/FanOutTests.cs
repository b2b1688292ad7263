using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// Many viewers of one stream cost the origin about one viewer: one origin session for all their
/// sessions (across replicas), shared manifests, one origin fetch per fragment. The origin here is a
/// real HTTP server speaking the KVS paths that counts what it is asked, the independent witness of
/// what the gateway costs it.
/// </summary>
public sealed class FanOutTests : IAsyncLifetime
{
    private const int FragmentBytes = 300_000;
    private const long GatedSequence = 1;
    private const long FailingSequence = 13;

    private readonly RedisServer _redis = new();
    private readonly ConcurrentDictionary<string, int> _asked = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _releaseGated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _releaseFailure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication _origin = null!;
    private volatile bool _down;
    private Uri _originUrl = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _origin = builder.Build();
        _origin.MapPost("/getDataEndpoint", (HttpContext c) => Results.Json(new GetDataEndpointOutput { DataEndpoint = $"{c.Request.Scheme}://{c.Request.Host}" }, KvsJsonContext.Default.GetDataEndpointOutput));
        _origin.MapPost("/getDASHStreamingSessionURL", (HttpContext c) =>
        {
            var n = Count("session-url");
            return Results.Json(
                new GetDashStreamingSessionUrlOutput { DashStreamingSessionUrl = $"{c.Request.Scheme}://{c.Request.Host}/dash/v1/getDASHManifest.mpd?SessionToken=ORIGIN{n}" },
                KvsJsonContext.Default.GetDashStreamingSessionUrlOutput);
        });
        _origin.MapGet("/dash/v1/getDASHManifest.mpd", (HttpContext c) =>
        {
            Count("manifest");
            return Results.Text(
                """
                <?xml version="1.0" encoding="utf-8"?>
                <MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:kvs="https://kinesisvideo.amazonaws.com/doc/2017-09-30/" type="dynamic" availabilityStartTime="2026-11-30T00:00:00Z" minimumUpdatePeriod="PT1S" minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-live:2011">
                  <Period id="0" start="PT0S"><AdaptationSet mimeType="video/mp4"><SegmentTemplate timescale="1000" initialization="getMP4InitFragment.mp4?SessionToken=ORIGIN&amp;TrackNumber=1" media="getMP4MediaFragment.mp4?SessionToken=ORIGIN&amp;TrackNumber=1&amp;SequenceNumber=$Number$" startNumber="1"><SegmentTimeline><S t="0" d="2000" kvs:fn="91343852333181432392682062607743920146264773260" kvs:ts="1764460800.000"/><S d="2000" kvs:fn="91343852333181432397633822764885441725874549805" kvs:ts="1764460802.000"/></SegmentTimeline></SegmentTemplate><Representation id="1" codecs="avc1.42C00D" bandwidth="1000"/></AdaptationSet></Period>
                </MPD>
                """,
                "application/dash+xml");
        });
        _origin.MapGet("/dash/v1/getMP4InitFragment.mp4", (HttpContext c) =>
        {
            Count("init");
            return Results.Bytes(Body(0, 1000), "video/mp4");
        });
        _origin.MapGet("/dash/v1/getMP4MediaFragment.mp4", async (HttpContext c) =>
        {
            var sequence = long.Parse(c.Request.Query["SequenceNumber"]!, CultureInfo.InvariantCulture);
            if (_down)
            {
                // An origin that has stopped answering (the harder outage: no refusal, only silence).
                Count("down");
                await Task.Delay(Timeout.Infinite, c.RequestAborted);
                return;
            }

            Count("media:" + sequence.ToString(CultureInfo.InvariantCulture));
            if (sequence == FailingSequence)
            {
                await _releaseFailure.Task.WaitAsync(c.RequestAborted);
                c.Response.StatusCode = 404;
                c.Response.Headers["x-amzn-ErrorType"] = "ResourceNotFoundException:";
                await c.Response.WriteAsJsonAsync(new { message = "No fragment with that sequence number." }, c.RequestAborted);
                return;
            }

            var body = Body(sequence, FragmentBytes);
            c.Response.ContentType = "video/mp4";
            c.Response.ContentLength = body.Length;
            if (sequence == GatedSequence)
            {
                // Half now, the rest when the test says: the first viewer must see the half meanwhile.
                await c.Response.Body.WriteAsync(body.AsMemory(0, FragmentBytes / 2), c.RequestAborted);
                await c.Response.Body.FlushAsync(c.RequestAborted);
                await _releaseGated.Task.WaitAsync(c.RequestAborted);
                await c.Response.Body.WriteAsync(body.AsMemory(FragmentBytes / 2), c.RequestAborted);
                return;
            }

            await c.Response.Body.WriteAsync(body, c.RequestAborted);
        });
        await _origin.StartAsync();
        _originUrl = new Uri(_origin.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
    }

    public async Task DisposeAsync()
    {
        _releaseGated.TrySetResult();
        _releaseFailure.TrySetResult();
        await _origin.StopAsync();
        await _origin.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Two_hundred_viewers_on_two_replicas_cost_the_origin_one_session_shared_manifests_and_one_fetch_per_fragment()
    {
        // A tenant of its own whose control-plane rate admits 200 viewers arriving at once.
        var tenant = "fan" + Guid.NewGuid().ToString("N")[..8];
        string[] args = [.. OriginArgs(), .. GatewayHost.TenantArgs(tenant, "AKIDFANOUTTENANT", "fan-secret", "ControlPlaneRequestsPerSecond=1000", "SessionUrlsPerStreamPerSecond=1000", "DataEndpointsPerStreamPerSecond=1000")];
        await using var first = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: args);
        await using var second = await GatewayHost.StartAsync(_redis.ConnectionString, tokenKeys: first.TokenKeys, extraArgs: args);
        var stream = tenant + "-cam";
        using var counted = new CacheRequests(stream);

        // 200 viewers ask for sessions at once, half on each replica: the origin opens one.
        var urls = new Uri[200];
        var clients = new[] { first.GatewayClient("AKIDFANOUTTENANT", "fan-secret"), second.GatewayClient("AKIDFANOUTTENANT", "fan-secret") };
        await Parallel.ForAsync(0, urls.Length, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            urls[i] = new Uri((await clients[i % 2].GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput { StreamName = stream, PlaybackMode = "LIVE", DisplayFragmentNumber = i % 4 == 0 ? "ALWAYS" : null })).DashStreamingSessionUrl!);
        });
        Assert.Equal(1, Asked("session-url"));
        Assert.Equal(200, urls.Select(Token).Distinct().Count());

        // Their manifests: each with its own token (and kvs:fn only for those who asked), from a few origin fetches.
        var started = DateTimeOffset.UtcNow;
        var manifests = new string[urls.Length];
        await Parallel.ForAsync(0, urls.Length, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) => manifests[i] = await first.Http.GetStringAsync(urls[i].PathAndQuery));
        var seconds = (DateTimeOffset.UtcNow - started).TotalSeconds;
        for (var i = 0; i < urls.Length; i++)
        {
            Assert.Contains("SessionToken=" + Token(urls[i]) + "&amp;TrackNumber=1&amp;SequenceNumber=$Number$", manifests[i], StringComparison.Ordinal);
            Assert.DoesNotContain("ORIGIN", manifests[i], StringComparison.Ordinal);
            Assert.Equal(i % 4 == 0, manifests[i].Contains("kvs:fn=", StringComparison.Ordinal));
        }

        Assert.InRange(Asked("manifest"), 1, (int)Math.Ceiling(seconds / 0.5) + 1);

        // 200 viewers of one fragment the origin is still sending: one origin fetch, the first bytes
        // reach a viewer before the origin has finished, every viewer gets every byte.
        var fragmentPath = (Uri url) => "/dash/v1/getMP4MediaFragment.mp4" + url.Query + "&TrackNumber=1&SequenceNumber=" + GatedSequence.ToString(CultureInfo.InvariantCulture);
        using (var early = await first.Http.GetAsync(fragmentPath(urls[0]), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, early.StatusCode);
            await using var body = await early.Content.ReadAsStreamAsync();
            var half = new byte[FragmentBytes / 2];
            await body.ReadExactlyAsync(half);
            Assert.Equal(Body(GatedSequence, FragmentBytes).AsSpan(0, half.Length).ToArray(), half);
            Assert.False(_releaseGated.Task.IsCompleted);

            var rest = Enumerable.Range(1, 199).Select(i => first.Http.GetByteArrayAsync(fragmentPath(urls[i]))).ToArray();
            await MetricReachesAsync(counted, "hit", 199);
            _releaseGated.SetResult();
            Assert.All(await Task.WhenAll(rest), b => Assert.Equal(Body(GatedSequence, FragmentBytes), b));
            var remainder = new byte[FragmentBytes - half.Length];
            await body.ReadExactlyAsync(remainder);
            Assert.Equal(Body(GatedSequence, FragmentBytes).AsSpan(half.Length).ToArray(), remainder);
        }

        Assert.Equal(1, Asked("media:1"));

        // Range and HEAD from the cache, without the origin.
        using (var request = new HttpRequestMessage(HttpMethod.Get, fragmentPath(urls[7])))
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, 199);
            using var partial = await first.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal("bytes 100-199/300000", partial.Content.Headers.ContentRange!.ToString());
            Assert.Equal(Body(GatedSequence, FragmentBytes).AsSpan(100, 100).ToArray(), await partial.Content.ReadAsByteArrayAsync());
        }

        using (var head = await first.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, fragmentPath(urls[8]))))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(FragmentBytes, head.Content.Headers.ContentLength);
        }

        Assert.Equal(1, Asked("media:1"));

        // The other replica has a cache of its own: one fetch there too, however many ask.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => second.Http.GetByteArrayAsync(fragmentPath(urls[i]))));
        Assert.Equal(2, Asked("media:1"));

        // A failed origin fetch fails all its waiters with the same KVS error and is not kept. (The
        // listener hears both replicas: 3 misses and the hits of both so far.)
        var failingPath = (Uri url) => "/dash/v1/getMP4MediaFragment.mp4" + url.Query + "&TrackNumber=1&SequenceNumber=" + FailingSequence.ToString(CultureInfo.InvariantCulture);
        var failing = Enumerable.Range(0, 50).Select(i => first.Http.GetAsync(failingPath(urls[i]))).ToArray();
        await MetricReachesAsync(counted, "miss", 3);
        await MetricReachesAsync(counted, "hit", 199 + 2 + 19 + 49);
        _releaseFailure.SetResult();
        foreach (var response in await Task.WhenAll(failing))
        {
            using (response)
            {
                await KvsAssert.ErrorAsync(response, 404, "ResourceNotFoundException");
            }
        }

        Assert.Equal(1, Asked("media:13"));
        using (var again = await first.Http.GetAsync(failingPath(urls[60])))
        {
            await KvsAssert.ErrorAsync(again, 404, "ResourceNotFoundException");
        }

        Assert.Equal(2, Asked("media:13"));
    }

    [Fact]
    public async Task The_gateway_keeps_to_the_origin_rates_itself_and_answers_as_KVS_when_they_are_spent()
    {
        // Held well inside a second: takes at a second's end count in the next one too.
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).AddSeconds(0.25));
        await using var gateway = await GatewayHost.StartAsync(_redis.ConnectionString, time: clock, extraArgs:
        [
            .. OriginArgs(),
            "--OriginLimits:MediaFragmentsPerSession", "3",
            "--OriginLimits:MaxWait", "00:00:00",
        ]);
        var stream = "acme-rated-" + Guid.NewGuid().ToString("N")[..8];
        var url = new Uri((await gateway.GatewayClient().GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput { StreamName = stream, PlaybackMode = "LIVE" })).DashStreamingSessionUrl!);
        var path = (long sequence) => "/dash/v1/getMP4MediaFragment.mp4" + url.Query + "&TrackNumber=1&SequenceNumber=" + sequence.ToString(CultureInfo.InvariantCulture);

        // Three different fragments in one second reach the origin; the fourth is refused before it,
        // and a cached one is still served (it costs the origin nothing).
        for (var sequence = 20; sequence < 23; sequence++)
        {
            Assert.Equal(FragmentBytes, (await gateway.Http.GetByteArrayAsync(path(sequence))).Length);
        }

        using (var spent = await gateway.Http.GetAsync(path(23)))
        {
            await KvsAssert.ErrorAsync(spent, 400, "ClientLimitExceededException");
        }

        Assert.Equal(0, Asked("media:23"));
        Assert.Equal(FragmentBytes, (await gateway.Http.GetByteArrayAsync(path(20))).Length);
        Assert.Equal(1, Asked("media:20"));

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Body(23, FragmentBytes), await gateway.Http.GetByteArrayAsync(path(23)));
        Assert.Equal(1, Asked("media:23"));
    }

    [Fact]
    public async Task During_an_origin_outage_cached_fragments_play_on_and_each_missing_one_is_fetched_once_when_it_returns()
    {
        await using var gateway = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: [.. OriginArgs(), "--Origin:ActivityTimeout", "00:00:01"]);
        var stream = "acme-outage-" + Guid.NewGuid().ToString("N")[..8];
        var url = new Uri((await gateway.GatewayClient().GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput { StreamName = stream, PlaybackMode = "LIVE" })).DashStreamingSessionUrl!);
        var path = (long sequence) => "/dash/v1/getMP4MediaFragment.mp4" + url.Query + "&TrackNumber=1&SequenceNumber=" + sequence.ToString(CultureInfo.InvariantCulture);
        Assert.Equal(Body(40, FragmentBytes), await gateway.Http.GetByteArrayAsync(path(40)));

        _down = true;
        try
        {
            // What is cached plays on.
            Assert.All(await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => gateway.Http.GetByteArrayAsync(path(40)))), b => Assert.Equal(Body(40, FragmentBytes), b));

            // What is not answers a KVS error within the activity timeout, all its viewers from one attempt.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            foreach (var response in await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => gateway.Http.GetAsync(path(41)))))
            {
                using (response)
                {
                    await KvsAssert.ErrorAsync(response, 504, "ServiceUnavailableException");
                }
            }

            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
            Assert.Equal(1, Asked("down"));
        }
        finally
        {
            _down = false;
        }

        // Back: the missing fragment is fetched once for everyone asking.
        Assert.All(await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => gateway.Http.GetByteArrayAsync(path(41)))), b => Assert.Equal(Body(41, FragmentBytes), b));
        Assert.Equal(1, Asked("media:41"));
        Assert.Equal(1, Asked("media:40"));
    }

    [Fact]
    public async Task A_cache_smaller_than_the_working_set_stays_within_its_bound_and_every_viewer_still_gets_every_byte()
    {
        // Room for two of the ten fragments the viewers play.
        await using var gateway = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: [.. OriginArgs(), "--Playback:FragmentCacheBytes", "700000"]);
        var stream = "acme-small-" + Guid.NewGuid().ToString("N")[..8];
        var client = gateway.GatewayClient();
        var urls = new List<Uri>();
        for (var i = 0; i < 8; i++)
        {
            urls.Add(new Uri((await client.GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput { StreamName = stream, PlaybackMode = "LIVE" })).DashStreamingSessionUrl!));
        }

        var cache = gateway.App.Services.GetRequiredService<KvsGateway.Caching.FragmentCache>();
        await Task.WhenAll(urls.Select(async url =>
        {
            for (long sequence = 50; sequence < 60; sequence++)
            {
                var body = await gateway.Http.GetByteArrayAsync("/dash/v1/getMP4MediaFragment.mp4" + url.Query + "&TrackNumber=1&SequenceNumber=" + sequence.ToString(CultureInfo.InvariantCulture));
                Assert.Equal(Body(sequence, FragmentBytes), body);
            }
        }));

        Assert.InRange(cache.Bytes, FragmentBytes, 700_000);
        Assert.All(Enumerable.Range(50, 10), sequence => Assert.InRange(Asked("media:" + sequence.ToString(CultureInfo.InvariantCulture)), 1, 8));
    }

    private static string Token(Uri url) => System.Web.HttpUtility.ParseQueryString(url.Query)["SessionToken"]!;

    /// <summary>Deterministic, different bytes for every fragment.</summary>
    private static byte[] Body(long sequence, int length)
    {
        var body = new byte[length];
        for (var i = 0; i < length; i++)
        {
            body[i] = (byte)(((sequence * 31) + i) % 251);
        }

        return body;
    }

    /// <summary>
    /// Waits until the gateway has counted <paramref name="count"/> fragment requests of the stream
    /// as <paramref name="result"/>, observed with a <see cref="MeterListener"/> on the gateway's own
    /// instrument (several gateways share this test process, and a Prometheus scrape of one sees
    /// whichever registered the instrument first).
    /// </summary>
    private static async Task MetricReachesAsync(CacheRequests counted, string result, long count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (counted.Get(result) < count)
        {
            await Task.Delay(20, timeout.Token);
        }

        Assert.Equal(count, counted.Get(result));
    }

    /// <summary>The gateway's <c>kvsgw.fragment_cache.requests</c> measurements of one stream, by result.</summary>
    private sealed class CacheRequests : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

        public CacheRequests(string stream)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == KvsGateway.Metering.PlaybackMetrics.MeterName && instrument.Name == "kvsgw.fragment_cache.requests")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string? taggedStream = null, result = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == "stream")
                    {
                        taggedStream = tag.Value as string;
                    }
                    else if (tag.Key == "result")
                    {
                        result = tag.Value as string;
                    }
                }

                if (taggedStream == stream && result is not null)
                {
                    _counts.AddOrUpdate(result, value, (_, n) => n + value);
                }
            });
            _listener.Start();
        }

        public long Get(string result) => _counts.GetValueOrDefault(result);

        public void Dispose() => _listener.Dispose();
    }

    private string[] OriginArgs() => ["--Origin:Mode", "Remote", "--Origin:Endpoint", _originUrl.ToString()];

    private int Count(string what) => _asked.AddOrUpdate(what, 1, (_, n) => n + 1);

    private int Asked(string what) => _asked.GetValueOrDefault(what);
}
