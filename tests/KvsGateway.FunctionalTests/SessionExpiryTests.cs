using System.Net;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Wire;
using Microsoft.Extensions.Time.Testing;

namespace KvsGateway.FunctionalTests;

/// <summary>A gateway whose clock the test moves: a session's token stops working when it expires.</summary>
public sealed class SessionExpiryTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private GatewayHost _host = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _host = await GatewayHost.StartAsync(_redis.ConnectionString, _time);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task An_expired_session_token_gets_403()
    {
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        await PlaybackFixture.IngestAsync(_host.EmulatorClient(), "acme-expiring", "h264.mkv");
        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);
        _time.SetUtcNow(DateTimeOffset.UtcNow);
        var output = await _host.GatewayClient().GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput
        {
            StreamName = "acme-expiring",
            PlaybackMode = "ON_DEMAND",
            Expires = 300,
            DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = started, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.1) } },
        });
        var url = new Uri(output.DashStreamingSessionUrl!);
        using (var fresh = await _host.Http.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        _time.Advance(TimeSpan.FromSeconds(299));
        using (var stillValid = await _host.Http.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        using var expired = await _host.Http.GetAsync(url);
        await KvsAssert.ErrorAsync(expired, 403, "NotAuthorizedException");
    }
}
