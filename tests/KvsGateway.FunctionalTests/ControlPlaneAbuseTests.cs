using System.Net;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Errors;
using KvsGateway.Metering;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// A tenant with valid keys trying to break the gateway through its own control-plane calls, as
/// reproduced against a running gateway: 200 signed calls whose StreamName is 60 KB of invalid
/// characters. Before, each was metered under its raw name: the tenant's usage hash in Redis grew by
/// 60 KB fields, and /metrics answered 500 with an empty body from then on. The class runs alone,
/// so the metrics it reads are its gateway's only (metric listeners are process-wide).
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class ControlPlaneAbuseTests : IAsyncLifetime
{
    /// <summary>
    /// What /metrics may hold after the flood and one session played: this gateway's tenants × their
    /// streams (with traffic) × the KVS series of four APIs, a few kilobytes; a single 60 KB label
    /// would exceed it.
    /// </summary>
    private const int MetricsBound = 48 * 1024;

    private readonly RedisServer _redis = new();
    private readonly string _tenant = "flood" + Guid.NewGuid().ToString("N")[..8];
    private GatewayHost _host = null!;

    private string KeyId => _tenant.ToUpperInvariant();

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _host = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs:
        [
            .. GatewayHost.TenantArgs(_tenant, KeyId, "flood-secret"),
            .. GatewayHost.TenantArgs("slow" + _tenant, "SLOW" + KeyId, "slow-secret", "ControlPlaneRequestsPerSecond=5"),
        ]);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_flood_of_60_KB_invalid_stream_names_leaves_no_trace_of_them_and_monitoring_keeps_working()
    {
        var junk = new string('!', 60 * 1024);
        var statuses = new List<(HttpStatusCode Status, string ErrorType)>();
        for (var i = 0; i < 200; i++)
        {
            using var response = await _host.SignedPostAsync("/getDASHStreamingSessionURL", $$"""{"StreamName":"{{junk}}{{i}}","PlaybackMode":"LIVE"}""", KeyId, "flood-secret");
            statuses.Add((response.StatusCode, response.Headers.GetValues("x-amzn-ErrorType").Single().Split(':')[0]));
        }

        // Refused as invalid, or throttled by the tenant's rate before its text was even parsed.
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.BadRequest, s.Status));
        Assert.Contains(statuses, s => s.ErrorType == KvsErrorTypes.InvalidArgument);

        await _host.App.Services.GetRequiredService<UsageFlusher>().FlushAsync();
        await AssertNoKeyFieldOrMemberHoldsAsync("!!!!!!!!");

        using var metrics = await _host.ManagementHttp.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.DoesNotContain("!!!!", text, StringComparison.Ordinal);
        Assert.Contains($"stream=\"{UsageKey.RefusedStream}\"", text, StringComparison.Ordinal);

        // A valid session created next plays, and monitoring still answers within its bound.
        var since = await PlaybackFixture.IngestPlayableAsync(_host.EmulatorClient(), _tenant + "-cam", "h264.mkv");
        var url = await QuotaTests.CreateSessionAsync(_host, _tenant + "-cam", since, KeyId, "flood-secret");
        using (var manifest = await _host.Http.GetAsync(url.PathAndQuery))
        {
            Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        }

        using (var fragment = await _host.Http.GetAsync($"/dash/v1/getMP4MediaFragment.mp4?SessionToken={Uri.EscapeDataString(SecurityTests.Token(url))}&TrackNumber=1&SequenceNumber=1"))
        {
            Assert.Equal(HttpStatusCode.OK, fragment.StatusCode);
        }

        using var after = await _host.ManagementHttp.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        var afterText = await after.Content.ReadAsStringAsync();
        Assert.Contains($"stream=\"{_tenant}-cam\"", afterText, StringComparison.Ordinal);
        Assert.True(afterText.Length < MetricsBound, $"/metrics is {afterText.Length} characters");
    }

    [Fact]
    public async Task Past_its_rate_a_tenant_is_throttled_before_its_request_is_parsed()
    {
        var results = new List<string>();
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 40; i++)
        {
            using var response = await _host.SignedPostAsync("/getDASHStreamingSessionURL", "not even JSON " + i, "SLOW" + KeyId, "slow-secret");
            results.Add(response.Headers.GetValues("x-amzn-ErrorType").Single().Split(':')[0]);
        }

        // Five a second are parsed (and refused as not JSON); the rest never were.
        var parsed = results.Count(r => r == KvsErrorTypes.SerializationException);
        var allowed = 5 * (1 + (int)Math.Ceiling(started.Elapsed.TotalSeconds));
        Assert.InRange(parsed, 5, allowed);
        Assert.Equal(40 - parsed, results.Count(r => r == KvsErrorTypes.ClientLimitExceeded));
    }

    private async Task AssertNoKeyFieldOrMemberHoldsAsync(string marker)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var db = connection.GetDatabase();
        var checkedKeys = 0;

        // Every primary's keys: in a Redis Cluster they are spread over the masters by slot.
        var keys = connection.GetServers().Where(s => !s.IsReplica).ToAsyncEnumerable().SelectMany(s => s.KeysAsync(pattern: "kvsgw:*", pageSize: 1000));
        await foreach (var key in keys)
        {
            checkedKeys++;
            Assert.DoesNotContain(marker, key.ToString(), StringComparison.Ordinal);
            switch (await db.KeyTypeAsync(key))
            {
                case RedisType.Hash:
                    Assert.All(await db.HashKeysAsync(key), f => Assert.DoesNotContain(marker, f.ToString(), StringComparison.Ordinal));
                    break;
                case RedisType.Set:
                    Assert.All(await db.SetMembersAsync(key), m => Assert.DoesNotContain(marker, m.ToString(), StringComparison.Ordinal));
                    break;
                case RedisType.SortedSet:
                    Assert.All(await db.SortedSetRangeByRankAsync(key), m => Assert.DoesNotContain(marker, m.ToString(), StringComparison.Ordinal));
                    break;
                case RedisType.List:
                    Assert.All(await db.ListRangeAsync(key), m => Assert.DoesNotContain(marker, m.ToString(), StringComparison.Ordinal));
                    break;
            }
        }

        // The tenant's refused calls were counted: there were keys to look at.
        Assert.True(checkedKeys > 0);
        var now = DateTimeOffset.UtcNow;
        var fields = new List<string>();
        foreach (var hour in new[] { now.AddHours(-1), now })
        {
            fields.AddRange((await db.HashKeysAsync($"kvsgw:{{t:{_tenant}}}:usage:{hour.UtcDateTime:yyyyMMddHH}")).Select(f => f.ToString()));
        }

        Assert.Contains($"{UsageKey.RefusedStream}|GetDASHStreamingSessionURL|Requests", fields);
    }
}
