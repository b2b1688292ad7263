using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Globalization;
using System.Text.Json;
using KvsGateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using KvsGateway.Metering;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace KvsGateway.FunctionalTests;

/// <summary>Billed bytes against the bytes clients read: across replicas, a Redis outage and a killed replica.</summary>
public sealed class MeteringTests
{
    private static readonly string[] PlaybackApis = ["GetDASHManifest", "GetMP4InitFragment", "GetMP4MediaFragment"];

    [Fact]
    public async Task Clients_on_two_replicas_are_billed_what_they_read_and_the_exports_and_metrics_agree()
    {
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        var tenant = "billed" + Guid.NewGuid().ToString("N")[..8];
        var args = Generous(tenant).ToList();
        await using var first = await GatewayHost.StartAsync(redis.ConnectionString, extraArgs: args);
        await using var second = await GatewayHost.StartReplicaAsync(redis.ConnectionString, first, args);
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        await PlaybackFixture.IngestAsync(first.EmulatorClient(), tenant + "-one", "h264.mkv");
        await PlaybackFixture.IngestAsync(first.EmulatorClient(), tenant + "-two", "h264-aac.mkv");
        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);

        // 16 viewers, sessions made on both replicas, every request alternating replicas; every
        // fourth viewer (all on stream two) hangs up on its first media fragment after 3000 bytes.
        var received = new ConcurrentDictionary<string, long>();
        var counter = 0;
        Uri OnReplica(Uri url) => new(Interlocked.Increment(ref counter) % 2 == 0 ? first.Gateway : second.Gateway, url.PathAndQuery);
        await Parallel.ForAsync(0, 16, async (i, _) =>
        {
            var stream = tenant + (i % 2 == 0 ? "-one" : "-two");
            var url = await QuotaTests.CreateSessionAsync(i % 4 < 2 ? first : second, stream, since, tenant.ToUpperInvariant(), "metered-secret");
            var bytes = await DashClient.PlayAsync(OnReplica, url, i % 4 == 3 ? 3000 : null);
            received.AddOrUpdate(stream, bytes, (_, total) => total + bytes);
        });

        // Billed exactly what the viewers' machines received, the aborted bodies included: once the
        // delivery checks have settled and both replicas have flushed, and still after one more flush.
        await BilledReachesAsync(redis.ConnectionString, tenant, b => b.GetValueOrDefault(tenant + "-one") == received[tenant + "-one"] && b.GetValueOrDefault(tenant + "-two") == received[tenant + "-two"]);
        await first.App.Services.GetRequiredService<UsageFlusher>().FlushAsync();
        await second.App.Services.GetRequiredService<UsageFlusher>().FlushAsync();
        var billed = await BilledAsync(redis.ConnectionString, tenant);
        Assert.Equal(received[tenant + "-one"], billed.GetValueOrDefault(tenant + "-one"));
        Assert.Equal(received[tenant + "-two"], billed.GetValueOrDefault(tenant + "-two"));
        var fragments = await MediaFragmentCountAsync(first, tenant + "-one", since);

        // The exports of this scenario: 8 viewers per stream, each one session, one manifest, one init per track.
        using var json = await first.AdminAsync(HttpMethod.Get, $"/admin/usage?tenant={tenant}&granularity=day&format=json");
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        var rows = JsonDocument.Parse(await json.Content.ReadAsStringAsync()).RootElement.EnumerateArray().ToList();
        long Row(string stream, string api, string field) => rows.Where(r => r.GetProperty("stream").GetString() == stream && r.GetProperty("api").GetString() == api).Sum(r => r.GetProperty(field).GetInt64());
        var one = tenant + "-one";
        Assert.Equal(8, Row(one, "GetDASHStreamingSessionURL", "requests"));
        Assert.Equal(8, Row(one, "GetDASHStreamingSessionURL", "successes"));
        Assert.Equal(8, Row(one, "GetDASHManifest", "requests"));
        Assert.Equal(8, Row(one, "GetMP4InitFragment", "successes"));
        Assert.Equal(8 * fragments, Row(one, "GetMP4MediaFragment", "successes"));
        Assert.Equal(received[one], PlaybackApis.Sum(api => Row(one, api, "bytes")));
        Assert.Equal(8 * 2, Row(tenant + "-two", "GetMP4InitFragment", "requests"));

        using var csv = await first.AdminAsync(HttpMethod.Get, $"/admin/usage?tenant={tenant}&stream={one}&granularity=hour&format=csv");
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("tenant,stream,api,period,bytes,requests,successes", lines[0]);
        var csvRows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.All(csvRows, r => Assert.Equal(one, r[1]));
        Assert.Equal(received[one], csvRows.Where(r => PlaybackApis.Contains(r[2])).Sum(r => long.Parse(r[4], CultureInfo.InvariantCulture)));
        Assert.Equal(8 * fragments, csvRows.Where(r => r[2] == "GetMP4MediaFragment").Sum(r => long.Parse(r[5], CultureInfo.InvariantCulture)));

        // Prometheus: the KVS names, tagged with tenant and stream. Both replicas run in this process,
        // where metric listeners are process-wide, so one scrape sees both (one process, one replica, in production).
        var text = await first.ManagementHttp.GetStringAsync("/metrics");
        Assert.Contains(PrometheusSamples(text), s => s.Name.StartsWith("GetDASHManifest_Requests", StringComparison.Ordinal) && s.Labels.GetValueOrDefault("tenant") == tenant);
        Assert.Contains(PrometheusSamples(text), s => s.Name.StartsWith("GetMP4MediaFragment_Latency", StringComparison.Ordinal) && s.Labels.GetValueOrDefault("stream") == one);
        Assert.Equal(Row(one, "GetMP4MediaFragment", "bytes"), PrometheusSum(text, "GetMP4MediaFragment_OutgoingBytes", tenant, one));
    }

    [Fact]
    public async Task Usage_counted_while_Redis_is_down_waits_in_the_journal_is_replayed_on_its_return_and_a_second_replay_changes_nothing()
    {
        await using var redis = new RedisServer(own: true);
        await redis.InitializeAsync();
        var tenant = "spooled" + Guid.NewGuid().ToString("N")[..8];
        await using var host = await GatewayHost.StartAsync(redis.ConnectionString, extraArgs: Generous(tenant));
        var stream = tenant + "-cam";
        var since = await PlaybackFixture.IngestPlayableAsync(host.EmulatorClient(), stream, "h264.mkv");
        var before = await QuotaTests.CreateSessionAsync(host, stream, since, tenant.ToUpperInvariant(), "metered-secret");
        var during = await QuotaTests.CreateSessionAsync(host, stream, since, tenant.ToUpperInvariant(), "metered-secret");
        long received = await DashClient.PlayAsync(u => u, new Uri(host.Gateway, before.PathAndQuery));
        received += (await host.Http.GetByteArrayAsync(during.PathAndQuery)).Length;
        await BilledReachesAsync(redis.ConnectionString, tenant, b => b.Values.Sum() == received);

        var flusher = host.App.Services.GetRequiredService<UsageFlusher>();
        var folder = host.App.Services.GetRequiredService<UsageMeter>().Folder;
        await redis.StopAsync();
        received += await DashClient.PlayAsync(u => u, new Uri(host.Gateway, during.PathAndQuery));

        // The outage's segments wait on disk; copies of them are kept for a second replay below.
        await flusher.FlushAsync();
        Assert.True(flusher.PendingSegments > 0, "the segments of the outage wait for Redis");
        var waiting = Directory.EnumerateFiles(folder, "journal-*").ToDictionary(f => f, File.ReadAllBytes);

        await redis.StartAsync();
        await BilledReachesAsync(redis.ConnectionString, tenant, b => b.Values.Sum() == received);
        await flusher.FlushAsync();
        Assert.Equal(received, (await BilledAsync(redis.ConnectionString, tenant)).Values.Sum());
        Assert.Equal(0, flusher.PendingSegments);

        // The same segments, replayed again: their ids are known, nothing is added.
        foreach (var (path, bytes) in waiting)
        {
            await File.WriteAllBytesAsync(path, bytes);
        }

        await flusher.FlushAsync();
        Assert.Equal(0, flusher.PendingSegments);
        Assert.Equal(received, (await BilledAsync(redis.ConnectionString, tenant)).Values.Sum());
    }

    [Fact]
    public async Task A_viewer_stalled_on_a_fragment_larger_than_every_buffer_then_gone_is_billed_what_its_machine_received_and_HEAD_no_body()
    {
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        var tenant = "stalled" + Guid.NewGuid().ToString("N")[..8];
        await using var host = await GatewayHost.StartAsync(redis.ConnectionString, extraArgs: Generous(tenant));

        // Two 2-s fragments of about 3 MB: far more than the kernel's socket buffers and Kestrel's
        // output pipe hold, so when the viewer stops reading, part of what the gateway has written sits
        // in its own process and part in the kernel, and none of that has reached the viewer.
        var work = Directory.CreateTempSubdirectory("kvsgw-large-").FullName;
        var fixture = Path.Combine(work, "large.mkv");
        var made = await ExternalTool.RunAsync("ffmpeg", [
            "-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25,noise=alls=60:allf=t", "-t", "4",
            "-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50",
            "-sc_threshold", "0", "-bf", "0", "-b:v", "12M", "-threads", "1",
            "-f", "matroska", "-write_crc32", "0", "-cluster_time_limit", "10000", "-cluster_size_limit", "50000000", fixture]);
        Assert.True(made.ExitCode == 0, made.Error);
        Assert.True(new FileInfo(fixture).Length > 4_000_000, "the fixture's fragments outgrow every buffer");

        var stream = tenant + "-cam";
        var since = await PlaybackFixture.IngestPlayableAsync(host.EmulatorClient(), stream, fixture);
        var url = new Uri(host.Gateway, (await QuotaTests.CreateSessionAsync(host, stream, since, tenant.ToUpperInvariant(), "metered-secret")).PathAndQuery);
        using var http = new HttpClient();
        var manifest = await http.GetByteArrayAsync(url);
        var fragment = DashClient.SegmentUrls(url, System.Text.Encoding.UTF8.GetString(manifest)).First(u => u.AbsolutePath.EndsWith("getMP4MediaFragment.mp4", StringComparison.Ordinal));
        var received = manifest.LongLength + await DashClient.AbortAfterAsync(fragment, 100 * 1024);

        // HEAD answers carry no body, whatever the handler wrote, and are no aborts.
        foreach (var target in new[] { url, fragment })
        {
            using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, target));
            Assert.Equal(System.Net.HttpStatusCode.OK, head.StatusCode);
        }

        await BilledReachesAsync(redis.ConnectionString, tenant, b => b.GetValueOrDefault(stream) == received);
        await host.App.Services.GetRequiredService<UsageFlusher>().FlushAsync();
        Assert.Equal(received, (await BilledAsync(redis.ConnectionString, tenant))[stream]);
        var hour = await UsageFieldsAsync(redis.ConnectionString, tenant);
        Assert.Equal(2, hour[$"{stream}|GetMP4MediaFragment|Requests"]);
        Assert.Equal(1, hour[$"{stream}|GetMP4MediaFragment|Success"]);
        Assert.Equal(2, hour[$"{stream}|GetDASHManifest|Success"]);
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public async Task A_graceful_stop_writes_everything_counted_before_it_ends()
    {
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        var tenant = "stopped" + Guid.NewGuid().ToString("N")[..8];
        var host = await GatewayHost.StartAsync(redis.ConnectionString, extraArgs: Generous(tenant));
        long received;
        try
        {
            var since = await PlaybackFixture.IngestPlayableAsync(host.EmulatorClient(), tenant + "-cam", "h264.mkv");
            var url = await QuotaTests.CreateSessionAsync(host, tenant + "-cam", since, tenant.ToUpperInvariant(), "metered-secret");
            received = await DashClient.PlayAsync(u => u, new Uri(host.Gateway, url.PathAndQuery));
        }
        finally
        {
            // Stopped at once, before any periodic flush could run.
            await host.DisposeAsync();
        }

        Assert.Equal(received, (await BilledAsync(redis.ConnectionString, tenant)).Values.Sum());
    }

    [Fact]
    public async Task A_graceful_stop_bills_a_response_its_viewer_is_still_receiving_to_the_last_byte()
    {
        // A stop ends idle keep-alive connections at once, the last response of one maybe still on its
        // way (the kernel delivers it after the close). It was billed less what was not yet
        // acknowledged at that instant: a rolling restart billed short of what viewers received.
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        var tenant = "draining" + Guid.NewGuid().ToString("N")[..8];
        var host = await GatewayHost.StartAsync(redis.ConnectionString, extraArgs: Generous(tenant));
        long received;
        Task stopping;
        using var viewer = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            var since = await PlaybackFixture.IngestPlayableAsync(host.EmulatorClient(), tenant + "-cam", "h264-640.mkv");
            var url = new Uri(host.Gateway, (await QuotaTests.CreateSessionAsync(host, tenant + "-cam", since, tenant.ToUpperInvariant(), "metered-secret")).PathAndQuery);
            using var http = new HttpClient();
            var manifest = await http.GetStringAsync(url);
            received = System.Text.Encoding.UTF8.GetByteCount(manifest);
            var template = System.Text.RegularExpressions.Regex.Match(manifest, "media=\"([^\"]+)\"[^>]*startNumber=\"(\\d+)\"");
            var media = new Uri(url, System.Net.WebUtility.HtmlDecode(template.Groups[1].Value).Replace("$Number$", template.Groups[2].Value, StringComparison.Ordinal));

            // A viewer with a small receive window: most of the fragment waits on the gateway's side.
            viewer.ReceiveBufferSize = 2048;
            await viewer.ConnectAsync(host.Gateway.Host, host.Gateway.Port);
            await viewer.SendAsync(System.Text.Encoding.ASCII.GetBytes($"GET {media.PathAndQuery} HTTP/1.1\r\nHost: {host.Gateway.Authority}\r\n\r\n"));
            var head = new List<byte>();
            var one = new byte[1];
            while (head.Count < 4 || !head.TakeLast(4).SequenceEqual("\r\n\r\n"u8.ToArray()))
            {
                Assert.Equal(1, await viewer.ReceiveAsync(one));
                head.Add(one[0]);
            }

            var headers = System.Text.Encoding.ASCII.GetString([.. head]);
            Assert.StartsWith("HTTP/1.1 200", headers, StringComparison.Ordinal);
            var length = long.Parse(System.Text.RegularExpressions.Regex.Match(headers, "Content-Length: (\\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase).Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(length > 8 * 1024, $"a fragment larger than the viewer's window ({length} bytes)");

            // The stop begins while the viewer has read only the head; it reads the body at its pace.
            stopping = host.DisposeAsync().AsTask();
            var buffer = new byte[1024];
            long body = 0;
            while (body < length)
            {
                var n = await viewer.ReceiveAsync(buffer);
                Assert.True(n > 0, $"the body ended after {body} of {length} bytes");
                body += n;
                await Task.Delay(1);
            }

            received += body;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        await stopping;
        Assert.Equal(received, (await BilledAsync(redis.ConnectionString, tenant)).Values.Sum());
    }

    [Fact]
    public async Task A_killed_replica_bills_no_more_than_clients_read_and_less_only_by_its_in_flight_requests()
    {
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        var tenant = "killed" + Guid.NewGuid().ToString("N")[..8];
        var work = Directory.CreateTempSubdirectory("kvsgw-crash-").FullName;
        await using var origin = await HostProcess.StartEmulatorAsync(Path.Combine(work, "emulator"));
        var stream = tenant + "-cam";
        var since = await PlaybackFixture.IngestPlayableAsync(origin.Client(), stream, "h264-aac.mkv");
        string[] gatewayArgs = [.. GatewayProcessArgs(redis.ConnectionString, origin.Endpoint, work, tenant)];
        var gateway = await HostProcess.StartGatewayAsync(gatewayArgs);
        var sessions = await OnDemandSessionsAsync(gateway.Endpoint, tenant, stream, since, 6);

        // Viewers replay their sessions until the gateway dies under them; it dies once each has been served a while.
        var progress = sessions.Select(_ => new StrongBox<int>()).ToList();
        var viewers = sessions.Select((session, i) => Task.Run(() => ViewUntilKilledAsync(session, progress[i]))).ToList();
        var serving = System.Diagnostics.Stopwatch.StartNew();
        while (progress.Any(p => Volatile.Read(ref p.Value) <= 5) && serving.Elapsed < TimeSpan.FromSeconds(30))
        {
            await WallClock.PassesAsync(DateTimeOffset.UtcNow.AddMilliseconds(20));
        }

        await gateway.KillAsync();
        var results = await Task.WhenAll(viewers);
        await gateway.DisposeAsync();

        // The restarted replica finds the journal of the killed one and bills it.
        await using var restarted = await HostProcess.StartGatewayAsync(gatewayArgs);

        // It spools the killed run's journal before it listens and replays the spool on its first
        // flush, deleting it once every batch in it is applied.
        var spool = Path.Combine(work, "metering", "spool.jsonl");
        var replaying = System.Diagnostics.Stopwatch.StartNew();
        while ((File.Exists(spool) || Directory.EnumerateFiles(Path.Combine(work, "metering"), "journal-*").Any()) && replaying.Elapsed < TimeSpan.FromSeconds(20))
        {
            await WallClock.PassesAsync(DateTimeOffset.UtcNow.AddMilliseconds(50));
        }

        Assert.False(File.Exists(spool), "the killed run's usage is replayed");
        var billed = (await BilledAsync(redis.ConnectionString, tenant)).Values.Sum();
        var read = results.Sum(r => r.Received);
        var inFlight = results.Sum(r => r.InFlight);
        Assert.True(results.All(r => r.Requests > 5), "every viewer was served before the kill");
        Assert.True(billed <= read, $"billed {billed} above the {read} read");
        Assert.True(read - billed <= inFlight, $"billed {billed} is {read - billed} below the {read} read, more than the {inFlight} of the requests in flight");
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public async Task Viewer_records_name_each_delivered_fragment_by_its_KVS_fragment_number_and_export_as_usage_does()
    {
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        var tenant = "viewed" + Guid.NewGuid().ToString("N")[..8];
        await using var host = await GatewayHost.StartAsync(redis.ConnectionString, extraArgs: [.. Generous(tenant), "--Metering:ViewerRecords", "true"]);
        var stream = tenant + "-cam";
        var since = await PlaybackFixture.IngestPlayableAsync(host.EmulatorClient(), stream, "h264-aac.mkv");
        var url = await QuotaTests.CreateSessionAsync(host, stream, since, tenant.ToUpperInvariant(), "metered-secret");
        var received = await DashClient.PlayAsync(u => u, new Uri(host.Gateway, url.PathAndQuery));
        await BilledReachesAsync(redis.ConnectionString, tenant, b => b.GetValueOrDefault(stream) == received);

        var fragments = (await host.EmulatorClient().ListFragmentsAsync(new KvsGateway.Kvs.Wire.ListFragmentsInput { StreamName = stream })).Fragments.Select(f => f.FragmentNumber).ToHashSet();
        using var json = await host.AdminAsync(HttpMethod.Get, $"/admin/viewer-records?tenant={tenant}&format=json&from={Uri.EscapeDataString(since.AddMinutes(-1).ToString("O"))}");
        var records = JsonDocument.Parse(await json.Content.ReadAsStringAsync()).RootElement.EnumerateArray().ToList();
        Assert.Equal(2 * fragments.Count, records.Count);
        Assert.All(records, r => Assert.Contains(r.GetProperty("FragmentNumber").GetString(), fragments));
        Assert.Equal([1, 2], records.Select(r => r.GetProperty("Track").GetInt32()).Distinct().Order());
        Assert.Equal(records.Count, records.Select(r => (r.GetProperty("Track").GetInt32(), r.GetProperty("SequenceNumber").GetInt64())).Distinct().Count());
        Assert.All(records, r => Assert.Equal(tenant + "-cam", r.GetProperty("Stream").GetString()));

        using var usage = await host.AdminAsync(HttpMethod.Get, $"/admin/usage?tenant={tenant}&format=json&granularity=day");
        var media = JsonDocument.Parse(await usage.Content.ReadAsStringAsync()).RootElement.EnumerateArray()
            .Where(r => r.GetProperty("api").GetString() == "GetMP4MediaFragment").Sum(r => r.GetProperty("bytes").GetInt64());
        Assert.Equal(media, records.Sum(r => r.GetProperty("Bytes").GetInt64()));
        Assert.True(received > media);

        using var csv = await host.AdminAsync(HttpMethod.Get, $"/admin/viewer-records?tenant={tenant}&format=csv&from={Uri.EscapeDataString(since.AddMinutes(-1).ToString("O"))}");
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time,tenant,stream,session,fragment_number,track,sequence_number,bytes", lines[0]);
        Assert.Equal(records.Count, lines.Length - 1);
    }

    [Fact]
    public async Task The_KVS_metrics_are_pushed_over_OTLP_when_an_endpoint_is_configured()
    {
        await using var redis = new RedisServer();
        await redis.InitializeAsync();

        // A stand-in collector: OTLP over HTTP/protobuf, metric names travel as plain strings.
        var received = new ConcurrentQueue<byte[]>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var collector = builder.Build();
        collector.MapPost("/v1/metrics", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            received.Enqueue(body.ToArray());
            return Results.Ok();
        });
        await collector.StartAsync();
        var endpoint = collector.Urls.First();

        // A process of its own, as in production: OpenTelemetry listens process-wide, and in the test
        // process other classes' gateways publish instruments of the same names at the same time.
        var tenant = "otlp" + Guid.NewGuid().ToString("N")[..8];
        var work = Directory.CreateTempSubdirectory("kvsgw-otlp-").FullName;
        await using var origin = await HostProcess.StartEmulatorAsync(Path.Combine(work, "emulator"));
        var stream = tenant + "-cam";
        var since = await PlaybackFixture.IngestPlayableAsync(origin.Client(), stream, "h264.mkv");
        await using var gateway = await HostProcess.StartGatewayAsync([
            .. GatewayProcessArgs(redis.ConnectionString, origin.Endpoint, work, tenant),
            "--OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, "--OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", "--OTEL_METRIC_EXPORT_INTERVAL", "500",
        ]);
        var session = (await OnDemandSessionsAsync(gateway.Endpoint, tenant, stream, since, 1))[0];
        await DashClient.PlayAsync(u => u, session);

        var found = false;
        for (var attempt = 0; attempt < 50 && !found; attempt++)
        {
            await Task.Delay(200);
            found = received.Any(r =>
            {
                var text = System.Text.Encoding.UTF8.GetString(r);
                return text.Contains("GetMP4MediaFragment.OutgoingBytes", StringComparison.Ordinal) && text.Contains(tenant, StringComparison.Ordinal);
            });
        }

        Assert.True(found, $"{received.Count} OTLP exports, none with the fragment bytes of {tenant}");
        Directory.Delete(work, recursive: true);
    }

    /// <summary>A tenant whose limits stay out of the way of load, with its key id its upper-cased name.</summary>
    /// <summary>A gateway process in front of <paramref name="origin"/>, with its metering folder under <paramref name="work"/>.</summary>
    private static IEnumerable<string> GatewayProcessArgs(string redis, Uri origin, string work, string tenant) =>
    [
        "--environment", "Testing", "--Redis:Configuration", redis,
        "--Origin:Mode", "Remote", "--Origin:Endpoint", origin.ToString(),
        "--Metering:Path", Path.Combine(work, "metering"), "--Demo:Enabled", "false",
        "--Tokens:ActiveKeyId", "k1", "--Tokens:Keys:k1", GatewayHost.NewTokenKey(), "--Logging:LogLevel:Default", "Warning",
        .. Generous(tenant),
    ];

    /// <summary><paramref name="count"/> ON_DEMAND sessions of the stream, asked of a gateway process with the tenant's keys.</summary>
    private static async Task<List<Uri>> OnDemandSessionsAsync(Uri gateway, string tenant, string stream, DateTimeOffset since, int count)
    {
        var client = new KvsGateway.Kvs.Client.KvsClient(new HttpClient(), new KvsGateway.Kvs.Client.KvsClientOptions { ControlEndpoint = gateway, Credentials = new KvsGateway.Kvs.Signing.AwsCredentials(tenant.ToUpperInvariant(), "metered-secret") }, TimeProvider.System);
        var sessions = new List<Uri>();
        for (var i = 0; i < count; i++)
        {
            sessions.Add(new Uri((await client.GetDashStreamingSessionUrlAsync(new KvsGateway.Kvs.Wire.GetDashStreamingSessionUrlInput
            {
                StreamName = stream,
                PlaybackMode = "ON_DEMAND",
                DashFragmentSelector = new KvsGateway.Kvs.Wire.FragmentSelector { TimestampRange = new KvsGateway.Kvs.Wire.TimestampRange { StartTimestamp = since, EndTimestamp = DateTimeOffset.UtcNow } },
            })).DashStreamingSessionUrl!));
        }

        return sessions;
    }

    private static IEnumerable<string> Generous(string tenant) => GatewayHost.TenantArgs(tenant, tenant.ToUpperInvariant(), "metered-secret",
        "SessionUrlsPerStreamPerSecond=1000", "DataEndpointsPerStreamPerSecond=1000", "PlaybackRates:ManifestsPerSecond=1000",
        "PlaybackRates:InitFragmentsPerSecond=1000", "PlaybackRates:MediaFragmentsPerSecond=1000");

    /// <summary>
    /// Fetches until the gateway dies. In flight at the kill, from the gateway's side, may be the
    /// request being read and the one just finished (its record is written after its last byte is
    /// sent): <c>InFlight</c> is the bytes of both.
    /// </summary>
    private static async Task<(long Received, long InFlight, int Requests)> ViewUntilKilledAsync(Uri session, StrongBox<int> progress)
    {
        using var http = new HttpClient();
        long received = 0;
        long last = 0;
        long previous = 0;
        var requests = 0;
        try
        {
            async Task<byte[]> ReadAsync(Uri url)
            {
                // Every byte counts as it arrives, so a body cut by the kill counts what came.
                previous = last;
                last = 0;
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
                await using var body = await response.Content.ReadAsStreamAsync();
                using var copy = new MemoryStream();
                var buffer = new byte[16384];
                int n;
                while ((n = await body.ReadAsync(buffer)) > 0)
                {
                    last += n;
                    received += n;
                    copy.Write(buffer, 0, n);
                }

                requests++;
                Interlocked.Increment(ref progress.Value);
                return copy.ToArray();
            }

            while (true)
            {
                var manifest = System.Text.Encoding.UTF8.GetString(await ReadAsync(session));
                if (!manifest.StartsWith('<'))
                {
                    // Throttled (an error body, billed and counted like any other); try again shortly.
                    await Task.Delay(250);
                    continue;
                }

                foreach (var url in DashClient.SegmentUrls(session, manifest))
                {
                    await ReadAsync(url);
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return (received, last + previous, requests);
        }
    }

    /// <summary>How many media fragments a stream's session lists, read from the origin so nothing is billed.</summary>
    private static async Task<int> MediaFragmentCountAsync(GatewayHost host, string stream, DateTimeOffset since)
    {
        var session = await host.EmulatorClient().GetDashStreamingSessionUrlAsync(new KvsGateway.Kvs.Wire.GetDashStreamingSessionUrlInput
        {
            StreamName = stream,
            PlaybackMode = "ON_DEMAND",
            DashFragmentSelector = new KvsGateway.Kvs.Wire.FragmentSelector { TimestampRange = new KvsGateway.Kvs.Wire.TimestampRange { StartTimestamp = since, EndTimestamp = DateTimeOffset.UtcNow } },
        });
        using var http = new HttpClient();
        var url = new Uri(session.DashStreamingSessionUrl!);
        return DashClient.SegmentUrls(url, await http.GetStringAsync(url)).Count(u => u.AbsolutePath.EndsWith("getMP4MediaFragment.mp4", StringComparison.Ordinal));
    }

    /// <summary>Playback bytes billed per stream: the sum of the tenant's hour hashes in Redis.</summary>
    internal static async Task<Dictionary<string, long>> BilledAsync(string redis, string tenant) =>
        (await UsageFieldsAsync(redis, tenant))
            .Select(field => (Parts: field.Key.Split('|'), field.Value))
            .Where(field => field.Parts[2] == "OutgoingBytes")
            .GroupBy(field => field.Parts[0])
            .ToDictionary(stream => stream.Key, stream => stream.Sum(field => field.Value));

    /// <summary>The tenant's usage fields (<c>stream|api|counter</c>) summed over this hour and the last.</summary>
    internal static async Task<Dictionary<string, long>> UsageFieldsAsync(string redis, string tenant)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var now = DateTimeOffset.UtcNow;
        var fields = new Dictionary<string, long>();
        foreach (var hour in new[] { now.AddHours(-1), now })
        {
            foreach (var entry in await connection.GetDatabase().HashGetAllAsync(UsageKeys.TenantHourUsage(tenant, hour)))
            {
                fields[entry.Name.ToString()] = fields.GetValueOrDefault(entry.Name.ToString()) + (long)entry.Value;
            }
        }

        return fields;
    }

    /// <summary>
    /// Waits (at most 20 s) until the tenant's billed bytes meet <paramref name="done"/>: delivery checks
    /// settle within a second or two of the last byte and the meter flushes each second.
    /// </summary>
    internal static async Task BilledReachesAsync(string redis, string tenant, Func<Dictionary<string, long>, bool> done)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        Dictionary<string, long> billed = [];
        while (waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                billed = await BilledAsync(redis, tenant);
                if (done(billed))
                {
                    return;
                }
            }
            catch (RedisConnectionException)
            {
                // Redis is still coming back.
            }

            await WallClock.PassesAsync(DateTimeOffset.UtcNow.AddMilliseconds(100));
        }

        Assert.Fail($"billed after 20 s: {string.Join(", ", billed.Select(b => $"{b.Key}={b.Value}"))}");
    }

    private static long PrometheusSum(string text, string prefix, string tenant, string stream) =>
        (long)PrometheusSamples(text)
            .Where(s => s.Name.StartsWith(prefix, StringComparison.Ordinal) && s.Labels.GetValueOrDefault("tenant") == tenant && s.Labels.GetValueOrDefault("stream") == stream)
            .Sum(s => s.Value);

    /// <summary>The samples of a Prometheus text exposition: name, labels and value per line.</summary>
    internal static IEnumerable<(string Name, Dictionary<string, string> Labels, double Value)> PrometheusSamples(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var close = line.LastIndexOf('}');
            var name = brace < 0 ? line[..line.IndexOf(' ', StringComparison.Ordinal)] : line[..brace];
            var labels = new Dictionary<string, string>();
            if (brace >= 0)
            {
                foreach (var pair in line[(brace + 1)..close].Split("\",", StringSplitOptions.RemoveEmptyEntries))
                {
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    labels[pair[..equals]] = pair[(equals + 1)..].Trim('"');
                }
            }

            var rest = line[((brace < 0 ? name.Length : close + 1))..].Trim().Split(' ')[0];
            yield return (name, labels, double.Parse(rest, CultureInfo.InvariantCulture));
        }
    }
}
