using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Wire;
using KvsGateway.Sessions;
using KvsGateway.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace KvsGateway.FunctionalTests;

/// <summary>Several gateway replicas on one real Redis: sessions, revocation and key rotation cross between them.</summary>
public sealed class ReplicaTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private readonly (string Id, string Key) _keyA = ("key-a", GatewayHost.NewTokenKey());
    private readonly (string Id, string Key) _keyB = ("key-b", GatewayHost.NewTokenKey());
    // A tenant of its own: revoking all of a tenant's sessions must not reach other classes' sessions on the shared Redis.
    private readonly string _tenant = "replicas" + Guid.NewGuid().ToString("N")[..8];
    private GatewayHost _first = null!;
    private GatewayHost _second = null!;
    private DateTimeOffset _started;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _first = await GatewayHost.StartAsync(_redis.ConnectionString, tokenKeys: [_keyA], extraArgs: TenantArgs());
        _second = await GatewayHost.StartAsync(_redis.ConnectionString, tokenKeys: [_keyA], extraArgs: TenantArgs());
        _started = DateTimeOffset.UtcNow.AddSeconds(-1);
        await PlaybackFixture.IngestAsync(_first.EmulatorClient(), _tenant + "-cam", "h264.mkv");
        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Theory]
    [InlineData("session")]
    [InlineData("stream")]
    [InlineData("tenant")]
    public async Task A_session_made_on_one_replica_plays_on_the_other_until_revoked_on_the_first(string scope)
    {
        var url = await CreateSessionAsync(_first);
        var onSecond = new Uri(_second.Gateway, url.PathAndQuery);
        var fragment = new Uri(_second.Gateway, "/dash/v1/getMP4MediaFragment.mp4" + url.Query + "&TrackNumber=1&SequenceNumber=1");
        using (var manifest = await _second.Http.GetAsync(onSecond))
        {
            Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        }

        using (var warm = await _second.Http.GetAsync(fragment))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        Assert.True(_second.App.Services.GetRequiredService<SessionCache>().Count > 0, "the second replica's cache holds the session");

        var token = System.Web.HttpUtility.ParseQueryString(url.Query)["SessionToken"];
        var claims = await _first.App.Services.GetRequiredService<SessionTokenService>().ReadAsync(token);
        var path = scope switch
        {
            "session" => $"/admin/sessions/{claims!.SessionId}",
            "stream" => $"/admin/tenants/{_tenant}/streams/{_tenant}-cam/sessions",
            _ => $"/admin/tenants/{_tenant}/sessions",
        };
        using (var unauthorized = await _first.ManagementHttp.DeleteAsync(path))
        {
            await KvsAssert.ErrorAsync(unauthorized, 401, "NotAuthorizedException");
        }

        using var revoke = new HttpRequestMessage(HttpMethod.Delete, path);
        revoke.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayHost.AdminToken);
        using (var revoked = await _first.ManagementHttp.SendAsync(revoke))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            using var attempt = await _second.Http.GetAsync(fragment);
            status = attempt.StatusCode;
            if (status == HttpStatusCode.Forbidden)
            {
                await KvsAssert.ErrorAsync(attempt, 403, "NotAuthorizedException");
                break;
            }

            await Task.Delay(20);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"refused after {clock.Elapsed}");

        // A session created after the revocation plays again.
        using var fresh = await _second.Http.GetAsync(await CreateSessionAsync(_first));
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task A_token_of_a_rotated_key_plays_while_the_key_is_kept_and_not_after_it_is_removed()
    {
        var url = await CreateSessionAsync(_first);
        await using var rotated = await GatewayHost.StartAsync(_redis.ConnectionString, tokenKeys: [_keyB, _keyA], extraArgs: TenantArgs());
        using (var stillValid = await rotated.Http.GetAsync(url.PathAndQuery))
        {
            Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
        }

        await using var removed = await GatewayHost.StartAsync(_redis.ConnectionString, tokenKeys: [_keyB], extraArgs: TenantArgs());
        using var refused = await removed.Http.GetAsync(url.PathAndQuery);
        await KvsAssert.ErrorAsync(refused, 403, "NotAuthorizedException");
    }

    private string[] TenantArgs() => [.. GatewayHost.TenantArgs(_tenant, _tenant.ToUpperInvariant(), "replicas-secret")];

    private async Task<Uri> CreateSessionAsync(GatewayHost host)
    {
        var output = await host.GatewayClient(_tenant.ToUpperInvariant(), "replicas-secret").GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput
        {
            StreamName = _tenant + "-cam",
            PlaybackMode = "ON_DEMAND",
            DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = _started, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.05) } },
        });
        return new Uri(output.DashStreamingSessionUrl!);
    }
}
