using KvsGateway.Emulator;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Signing;
using KvsGateway.Kvs.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using KvsGateway.Emulator.Hosting;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// The AWS-origin path for real: a remote emulator that verifies SigV4 like AWS, and the gateway in
/// Remote mode signing with its own credentials (GetDataEndpoint first, then the data endpoint).
/// </summary>
public sealed class AwsOriginTests : IAsyncLifetime
{
    private const string OriginKeyId = "AKIDGATEWAYORIGIN";
    private const string OriginSecret = "gateway-origin-secret";
    private readonly RedisServer _redis = new();
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "kvsgw-aws-" + Guid.NewGuid().ToString("N"));
    private WebApplication _origin = null!;
    private Uri _originUrl = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        var options = new EmulatorOptions { DataPath = _dataPath, RequireSignature = true };
        options.Credentials[OriginKeyId] = OriginSecret;
        _origin = await EmulatorApplication.StartAsync(options, "http://127.0.0.1:0", TimeProvider.System);
        _originUrl = new Uri(_origin.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
    }

    public async Task DisposeAsync()
    {
        await _origin.StopAsync();
        await _origin.DisposeAsync();
        await _redis.DisposeAsync();
        Directory.Delete(_dataPath, recursive: true);
    }

    [Fact]
    public async Task The_gateway_signs_its_origin_calls_and_a_wrong_secret_is_a_gateway_fault_not_the_callers()
    {
        // The origin refuses unsigned and wrongly signed callers, as AWS does.
        var stranger = Client("AKIDSTRANGER", "whatever");
        Assert.Equal(KvsErrorTypes.UnrecognizedClient, (await Assert.ThrowsAsync<KvsException>(() => stranger.CreateStreamAsync(new CreateStreamInput { StreamName = "acme-aws" }))).ErrorType);
        Assert.Equal(KvsErrorTypes.InvalidSignature, (await Assert.ThrowsAsync<KvsException>(() => Client(OriginKeyId, "wrong").CreateStreamAsync(new CreateStreamInput { StreamName = "acme-aws" }))).ErrorType);

        var producer = Client(OriginKeyId, OriginSecret);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        var acks = await PlaybackFixture.IngestAsync(producer, "acme-aws", "h264-aac.mkv");
        Assert.Equal(3, acks.Count(a => a.EventType == "PERSISTED"));
        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);
        var input = new GetDashStreamingSessionUrlInput
        {
            StreamName = "acme-aws",
            PlaybackMode = "ON_DEMAND",
            DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = started, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.05) } },
        };

        await using (var gateway = await StartGatewayAsync(OriginSecret))
        {
            var url = (await gateway.GatewayClient().GetDashStreamingSessionUrlAsync(input)).DashStreamingSessionUrl!;
            Assert.Equal(
                await Ffmpeg.PacketHashesAsync(PlaybackFixture.FixturePath("h264-aac.mkv"), "0:v:0"),
                await Ffmpeg.PacketHashesAsync(url, "0:v:0"));
        }

        // A request the pool has no origin session for (a viewer asking for the same range would join
        // the one above without a call to the origin), so the misconfigured gateway must ask the origin.
        input.MaxManifestFragmentResults = 999;
        await using (var misconfigured = await StartGatewayAsync("not-the-origin-secret"))
        {
            var error = await Assert.ThrowsAsync<KvsException>(() => misconfigured.GatewayClient().GetDashStreamingSessionUrlAsync(input));
            Assert.Equal(KvsErrorTypes.ServiceUnavailable, error.ErrorType);
            Assert.Equal(503, error.StatusCode);
            Assert.DoesNotContain(_originUrl.Authority, error.Message, StringComparison.Ordinal);
        }
    }

    private KvsClient Client(string keyId, string secret) =>
        new(new HttpClient(), new KvsClientOptions { ControlEndpoint = _originUrl, Credentials = new AwsCredentials(keyId, secret) }, TimeProvider.System);

    private Task<GatewayHost> StartGatewayAsync(string secret) => GatewayHost.StartAsync(_redis.ConnectionString, extraArgs:
    [
        "--Origin:Mode", "Remote",
        "--Origin:Endpoint", _originUrl.ToString(),
        "--Origin:AccessKeyId", OriginKeyId,
        "--Origin:SecretAccessKey", secret,
    ]);
}
