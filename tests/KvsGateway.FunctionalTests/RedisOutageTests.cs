using System.Net;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;
using KvsGateway.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// Redis gone (a failover under way, or an outage): sessions this replica has already validated play
/// on from memory, however long ago it last read them; everything that needs Redis to be checked —
/// a session never seen here, a new session URL — fails closed with a KVS error a client retries,
/// never a 500, and works again once Redis is back.
/// </summary>
public sealed class RedisOutageTests
{
    [Fact]
    public async Task While_Redis_is_down_validated_sessions_play_on_and_everything_else_fails_closed_with_ServiceUnavailable()
    {
        await using var redis = new RedisServer(own: true);
        await redis.InitializeAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await GatewayHost.StartAsync(redis.ConnectionString, clock);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        await PlaybackFixture.IngestAsync(host.EmulatorClient(), "acme-outage", "h264.mkv");
        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);
        clock.SetUtcNow(DateTimeOffset.UtcNow);
        var input = OnDemand("acme-outage", started);
        var playing = new Uri((await host.GatewayClient().GetDashStreamingSessionUrlAsync(input)).DashStreamingSessionUrl!);
        var unseen = new Uri((await host.GatewayClient().GetDashStreamingSessionUrlAsync(input)).DashStreamingSessionUrl!);
        long warmBytes;
        using (var warm = await host.Http.GetAsync(playing))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            warmBytes = (await warm.Content.ReadAsByteArrayAsync()).Length;
        }

        await redis.StopAsync();

        // Past the age at which a validated session is normally read from Redis again.
        clock.Advance(SessionCache.MaxAge + TimeSpan.FromSeconds(1));
        using (var stillPlaying = await host.Http.GetAsync(playing))
        {
            Assert.Equal(HttpStatusCode.OK, stillPlaying.StatusCode);
            warmBytes += (await stillPlaying.Content.ReadAsByteArrayAsync()).Length;
        }

        long refusedBytes;
        using (var cold = await host.Http.GetAsync(unseen))
        {
            refusedBytes = (await cold.Content.ReadAsByteArrayAsync()).Length;
            await KvsAssert.ErrorAsync(cold, 503, KvsErrorTypes.ServiceUnavailable);
        }

        var refused = await Assert.ThrowsAsync<KvsException>(() => host.GatewayClient().GetDashStreamingSessionUrlAsync(input));
        Assert.Equal((KvsErrorTypes.ServiceUnavailable, 503), (refused.ErrorType, refused.StatusCode));

        await redis.StartAsync();

        // The refusal reached a viewer of the tenant's session (its token is ours and names both): it
        // is billed to them once Redis is back, as every other answer is. Before, an answer to a
        // session that could not be read was billed to no one, and the reliability failover scenario
        // found the export short of what players received by exactly such bodies.
        const string Field = "acme-outage|GetDASHManifest|";
        Dictionary<string, long> fields = [];
        await WaitForAsync(async () =>
        {
            fields = await MeteringTests.UsageFieldsAsync(redis.ConnectionString, "acme");
            return fields.GetValueOrDefault(Field + "Requests") >= 3;
        }, "The refused manifest was never billed");
        Assert.Equal(1, fields[Field + "Requests"] - fields.GetValueOrDefault(Field + "Success"));
        Assert.Equal(warmBytes + refusedBytes, fields[Field + "OutgoingBytes"]);

        await WaitForAsync(async () => (await host.Http.GetAsync(unseen)).StatusCode == HttpStatusCode.OK);
        Assert.NotNull((await host.GatewayClient().GetDashStreamingSessionUrlAsync(input)).DashStreamingSessionUrl);
    }

    [Fact]
    public async Task While_Redis_stalls_validated_sessions_play_on_and_fragments_wait_only_the_Redis_clients_timeout()
    {
        // A failover's promotion or a blocked server: Redis takes connections and answers nothing. The
        // reliability failover scenario saw 26 fragments arrive late (a playback stall) while every
        // request that asked Redis waited for it. A validated session waits a quarter of a second, then
        // plays on from memory. An origin request's budget must be counted (replicas together keep to
        // the origin's limits): it waits for Redis up to the Redis client's timeout, which operators set
        // in the connection string (asyncTimeout; StackExchange.Redis's default is 5 s), then goes on
        // as when Redis is down.
        await using var redis = new RedisServer(own: true);
        await redis.InitializeAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await GatewayHost.StartAsync(redis.ConnectionString + ",asyncTimeout=1000", clock);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        await PlaybackFixture.IngestAsync(host.EmulatorClient(), "acme-stall", "h264.mkv");
        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);
        clock.SetUtcNow(DateTimeOffset.UtcNow);
        var input = OnDemand("acme-stall", started);
        var playing = new Uri((await host.GatewayClient().GetDashStreamingSessionUrlAsync(input)).DashStreamingSessionUrl!);
        string manifest;
        using (var warm = await host.Http.GetAsync(playing))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            manifest = await warm.Content.ReadAsStringAsync();
        }

        await redis.PauseAsync();
        try
        {
            // Past the age at which a validated session is read from Redis again; the client here gives
            // up after 3 s.
            clock.Advance(SessionCache.MaxAge + TimeSpan.FromSeconds(1));
            using var impatient = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            using (var again = await impatient.GetAsync(playing))
            {
                Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            }

            // A media fragment not fetched yet: its origin request cannot be counted within the Redis
            // client's timeout, and goes on.
            var template = System.Text.RegularExpressions.Regex.Match(manifest, "media=\"([^\"]+)\"[^>]*startNumber=\"(\\d+)\"");
            var media = new Uri(playing, System.Net.WebUtility.HtmlDecode(template.Groups[1].Value).Replace("$Number$", template.Groups[2].Value, StringComparison.Ordinal));
            using var fragment = await impatient.GetAsync(media);
            Assert.Equal(HttpStatusCode.OK, fragment.StatusCode);
            Assert.NotEmpty(await fragment.Content.ReadAsByteArrayAsync());
        }
        finally
        {
            await redis.ResumeAsync();
        }
    }

    /// <summary>An hour-long ON_DEMAND session over what was ingested since <paramref name="started"/>.</summary>
    private static GetDashStreamingSessionUrlInput OnDemand(string stream, DateTimeOffset started) => new()
    {
        StreamName = stream,
        PlaybackMode = "ON_DEMAND",
        Expires = 3600,
        DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = started, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.1) } },
    };

    private static async Task WaitForAsync(Func<Task<bool>> condition, string failure = "Redis never came back for the gateway")
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), failure);
            await Task.Delay(100);
        }
    }
}
