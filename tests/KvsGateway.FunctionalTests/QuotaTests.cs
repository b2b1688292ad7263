using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.FunctionalTests;

/// <summary>Per-tenant limits held across two replicas sharing one real Redis, and the admin views of them.</summary>
public sealed class QuotaTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();

    public Task InitializeAsync() => _redis.InitializeAsync();

    public Task DisposeAsync() => _redis.DisposeAsync();

    [Fact]
    public async Task Session_url_and_playback_rates_hold_across_two_replicas()
    {
        var rated = "rated" + Guid.NewGuid().ToString("N")[..8];
        var tenant = GatewayHost.TenantArgs(rated, "AKIDRATEDTENANT", "rated-secret", "SessionUrlsPerStreamPerSecond=4", "PlaybackRates:ManifestsPerSecond=3").ToArray();
        await using var first = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: tenant);
        await using var second = await GatewayHost.StartReplicaAsync(_redis.ConnectionString, first, tenant);

        // 40 session-URL calls for one stream, alternating replicas, 8 in flight at a time.
        var outcomes = new ConcurrentBag<(string ErrorType, string? RetryAfter)>();
        var started = DateTimeOffset.UtcNow;
        await Parallel.ForAsync(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var host = i % 2 == 0 ? first : second;
            using var response = await host.SignedPostAsync("/getDASHStreamingSessionURL", $$"""{"StreamName":"{{rated}}-missing","PlaybackMode":"LIVE"}""", "AKIDRATEDTENANT", "rated-secret");
            var errorType = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.Single().Split(':')[0] : "none";
            outcomes.Add((errorType, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        });
        var windows = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - started.ToUnixTimeSeconds() + 1;

        // Let through: the stream does not exist, which only the origin can say.
        var admitted = outcomes.Count(o => o.ErrorType == KvsErrorTypes.ResourceNotFound);
        var limited = outcomes.Where(o => o.ErrorType == KvsErrorTypes.ClientLimitExceeded).ToList();
        Assert.Equal(40, admitted + limited.Count);
        Assert.InRange(admitted, 4, 4 * windows);
        Assert.NotEmpty(limited);
        Assert.All(limited, l => Assert.Equal("1", l.RetryAfter));

        // A session's manifest rate (3 per second) counted over both replicas.
        var since = await PlaybackFixture.IngestPlayableAsync(first.EmulatorClient(), rated + "-cam", "h264.mkv");
        var url = await CreateSessionAsync(first, rated + "-cam", since, "AKIDRATEDTENANT", "rated-secret");
        var statuses = new ConcurrentBag<HttpStatusCode>();
        started = DateTimeOffset.UtcNow;
        await Parallel.ForAsync(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            var host = i % 2 == 0 ? first : second;
            using var response = await host.Http.GetAsync(url.PathAndQuery);
            statuses.Add(response.StatusCode);
        });
        windows = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - started.ToUnixTimeSeconds() + 1;
        var served = statuses.Count(s => s == HttpStatusCode.OK);
        Assert.True(served >= 3 && served <= 3 * windows, $"{served} served in {windows} windows: {string.Join(',', statuses)}");
        Assert.Equal(16 - served, statuses.Count(s => s == HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Concurrent_sessions_are_capped_over_replicas_listed_by_the_admin_API_and_freed_by_revocation()
    {
        var capped = "capped" + Guid.NewGuid().ToString("N")[..8];
        var tenant = GatewayHost.TenantArgs(capped, "AKIDCAPPEDTENANT", "capped-secret", "MaxConcurrentSessions=2").ToArray();
        await using var first = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: tenant);
        await using var second = await GatewayHost.StartReplicaAsync(_redis.ConnectionString, first, tenant);
        var since = await PlaybackFixture.IngestPlayableAsync(first.EmulatorClient(), capped + "-cam", "h264.mkv");

        var one = await CreateSessionAsync(first, capped + "-cam", since, "AKIDCAPPEDTENANT", "capped-secret");
        await CreateSessionAsync(second, capped + "-cam", since, "AKIDCAPPEDTENANT", "capped-secret");
        var refused = await Assert.ThrowsAsync<KvsException>(() => CreateSessionAsync(second, capped + "-cam", since, "AKIDCAPPEDTENANT", "capped-secret"));
        Assert.Equal(KvsErrorTypes.ClientLimitExceeded, refused.ErrorType);

        // The refused call's session record (written with its slot, in one round trip) is gone again.
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString))
        {
            // Every primary's keys: in a Redis Cluster the records lie in the slots of their session ids.
            var records = 0;
            foreach (var server in redis.GetServers().Where(s => !s.IsReplica))
            {
                await foreach (var key in server.KeysAsync(pattern: "*:session"))
                {
                    var record = (string?)await redis.GetDatabase().StringGetAsync(key);
                    records += record is not null && record.Contains($"\"Tenant\":\"{capped}\"", StringComparison.Ordinal) ? 1 : 0;
                }
            }

            Assert.Equal(2, records);
        }

        using (var sessions = await first.AdminAsync(HttpMethod.Get, $"/admin/tenants/{capped}/sessions"))
        {
            Assert.Equal(HttpStatusCode.OK, sessions.StatusCode);
            var body = await sessions.Content.ReadAsStringAsync();
            using var json = JsonDocument.Parse(body);
            Assert.Equal(2, json.RootElement.GetArrayLength());
            Assert.All(json.RootElement.EnumerateArray(), s => Assert.Equal(capped + "-cam", s.GetProperty("stream").GetString()));
            Assert.DoesNotContain(System.Web.HttpUtility.ParseQueryString(one.Query)["SessionToken"]!, body, StringComparison.Ordinal);
        }

        using (var quota = await second.AdminAsync(HttpMethod.Get, $"/admin/tenants/{capped}/quota"))
        {
            using var json = JsonDocument.Parse(await quota.Content.ReadAsStringAsync());
            Assert.Equal(2, json.RootElement.GetProperty("activeSessions").GetInt64());
            Assert.Equal(2, json.RootElement.GetProperty("maxConcurrentSessions").GetInt32());
            Assert.Equal(20, json.RootElement.GetProperty("playbackRates").GetProperty("mediaFragmentsPerSecond").GetInt32());
        }

        using (var tenants = await second.AdminAsync(HttpMethod.Get, "/admin/tenants"))
        {
            using var json = JsonDocument.Parse(await tenants.Content.ReadAsStringAsync());
            var listedTenant = json.RootElement.EnumerateArray().Single(t => t.GetProperty("name").GetString() == capped);
            Assert.Equal(2, listedTenant.GetProperty("activeSessions").GetInt64());
            Assert.False(listedTenant.GetProperty("disabled").GetBoolean());
        }

        // Revoking one frees its slot for a new session.
        using var listed = await first.AdminAsync(HttpMethod.Get, $"/admin/tenants/{capped}/sessions");
        using var list = JsonDocument.Parse(await listed.Content.ReadAsStringAsync());
        var sessionId = list.RootElement[0].GetProperty("sessionId").GetString();
        using (var revoked = await first.AdminAsync(HttpMethod.Delete, $"/admin/sessions/{sessionId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        await CreateSessionAsync(second, capped + "-cam", since, "AKIDCAPPEDTENANT", "capped-secret");
    }

    [Fact]
    public async Task A_spent_monthly_byte_budget_refuses_playback_and_new_sessions_until_next_month()
    {
        var budget = "budget" + Guid.NewGuid().ToString("N")[..8];
        var tenant = GatewayHost.TenantArgs(budget, "AKIDBUDGETTENANT", "budget-secret", "MonthlyOutgoingBytesBudget=2000").ToArray();
        await using var host = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: tenant);
        var since = await PlaybackFixture.IngestPlayableAsync(host.EmulatorClient(), budget + "-cam", "h264.mkv");
        var url = await CreateSessionAsync(host, budget + "-cam", since, "AKIDBUDGETTENANT", "budget-secret");
        var fragment = "/dash/v1/getMP4MediaFragment.mp4" + url.Query + "&TrackNumber=1&SequenceNumber=1";
        using (var first = await host.Http.GetAsync(fragment))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.True((await first.Content.ReadAsByteArrayAsync()).Length > 2000);
        }

        // The meter flushes each second and the budget is read at most each second; polling stays under the manifest rate.
        HttpResponseMessage? refused = null;
        for (var attempt = 0; attempt < 20 && refused is null; attempt++)
        {
            await Task.Delay(300);
            var response = await host.Http.GetAsync(url.PathAndQuery);
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(refused);
        await KvsAssert.ErrorAsync(refused, 400, KvsErrorTypes.ClientLimitExceeded);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        refused.Dispose();
        var noSession = await Assert.ThrowsAsync<KvsException>(() => CreateSessionAsync(host, budget + "-cam", since, "AKIDBUDGETTENANT", "budget-secret"));
        Assert.Equal(KvsErrorTypes.ClientLimitExceeded, noSession.ErrorType);
    }

    [Fact]
    public async Task A_disabled_tenant_is_refused_everywhere_and_its_sessions_stop_within_a_second()
    {
        var suspended = "suspended" + Guid.NewGuid().ToString("N")[..8];
        var tenant = GatewayHost.TenantArgs(suspended, "AKIDSUSPENDED", "suspended-secret").ToArray();
        await using var first = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: tenant);
        await using var second = await GatewayHost.StartReplicaAsync(_redis.ConnectionString, first, tenant);
        var since = await PlaybackFixture.IngestPlayableAsync(first.EmulatorClient(), suspended + "-cam", "h264.mkv");
        var url = await CreateSessionAsync(first, suspended + "-cam", since, "AKIDSUSPENDED", "suspended-secret");
        using (var warm = await second.Http.GetAsync(url.PathAndQuery))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        // The second replica's control plane has just seen the tenant enabled and trusts that for a
        // second: only the disable's announcement can make it refuse within the checks below.
        using (var before = await second.SignedPostAsync("/getDataEndpoint", $$"""{"StreamName":"{{suspended}}-cam","APIName":"GET_DASH_STREAMING_SESSION_URL"}""", "AKIDSUSPENDED", "suspended-secret"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        try
        {
            using (var disabled = await first.AdminAsync(HttpMethod.Post, $"/admin/tenants/{suspended}/disable"))
            {
                Assert.Equal(HttpStatusCode.NoContent, disabled.StatusCode);
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            HttpStatusCode status;
            do
            {
                await Task.Delay(400);
                using var attempt = await second.Http.GetAsync(url.PathAndQuery);
                status = attempt.StatusCode;
            }
            while (status == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(1));

            Assert.Equal(HttpStatusCode.Forbidden, status);
            using (var call = await second.SignedPostAsync("/getDataEndpoint", $$"""{"StreamName":"{{suspended}}-cam","APIName":"GET_DASH_STREAMING_SESSION_URL"}""", "AKIDSUSPENDED", "suspended-secret"))
            {
                await KvsAssert.ErrorAsync(call, 401, KvsErrorTypes.NotAuthorized);
            }

            using var tenants = await second.AdminAsync(HttpMethod.Get, "/admin/tenants");
            using var json = JsonDocument.Parse(await tenants.Content.ReadAsStringAsync());
            Assert.True(json.RootElement.EnumerateArray().Single(t => t.GetProperty("name").GetString() == suspended).GetProperty("disabled").GetBoolean());
        }
        finally
        {
            using var enabled = await first.AdminAsync(HttpMethod.Post, $"/admin/tenants/{suspended}/enable");
            Assert.Equal(HttpStatusCode.NoContent, enabled.StatusCode);
        }

        using var again = await second.Http.GetAsync((await CreateSessionAsync(second, suspended + "-cam", since, "AKIDSUSPENDED", "suspended-secret")).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    internal static async Task<Uri> CreateSessionAsync(GatewayHost host, string stream, DateTimeOffset since, string keyId, string secret)
    {
        var output = await host.GatewayClient(keyId, secret).GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput
        {
            StreamName = stream,
            PlaybackMode = "ON_DEMAND",
            DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = since, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.05) } },
        });
        return new Uri(output.DashStreamingSessionUrl!);
    }
}
