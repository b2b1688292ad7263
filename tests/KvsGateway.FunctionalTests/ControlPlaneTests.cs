using System.Net;
using System.Text;
using System.Text.Json;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.FunctionalTests;

/// <summary>The signed KVS API of the gateway, called by our client and by the real AWS CLI v2.</summary>
public sealed class ControlPlaneTests : IClassFixture<PlaybackFixture>
{
    private readonly PlaybackFixture _fixture;

    public ControlPlaneTests(PlaybackFixture fixture)
    {
        _fixture = fixture;
    }

    private GatewayHost Host => _fixture.Host;

    [Fact]
    public async Task Health_answers_once_the_gateway_serves_and_readiness_on_the_management_listener_only()
    {
        using var response = await Host.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        using var ready = await Host.ManagementHttp.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("started: ok\nredis: ok\norigin: ok\n", await ready.Content.ReadAsStringAsync());
        using var publicReady = await Host.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.NotFound, publicReady.StatusCode);
    }

    [Fact]
    public async Task GetDataEndpoint_answers_the_gateway_itself()
    {
        var endpoint = await Host.GatewayClient().GetDataEndpointAsync(PlaybackFixture.Stream, null, ApiNames.GetDashStreamingSessionUrl);
        Assert.Equal(Host.Gateway.GetLeftPart(UriPartial.Authority), endpoint.GetLeftPart(UriPartial.Authority));
    }

    [Fact]
    public async Task A_wrong_secret_is_an_invalid_signature()
    {
        var error = await Assert.ThrowsAsync<KvsException>(() => Host.GatewayClient(secret: "wrong-secret").GetDataEndpointAsync(PlaybackFixture.Stream, null, ApiNames.GetDashStreamingSessionUrl));
        Assert.Equal(KvsErrorTypes.InvalidSignature, error.ErrorType);
        Assert.Equal(403, error.StatusCode);
    }

    [Fact]
    public async Task An_unsigned_call_is_refused_with_an_AWS_error_shape()
    {
        using var content = new StringContent("{\"StreamName\":\"acme-cam\"}", Encoding.UTF8, "application/json");
        using var response = await Host.Http.PostAsync("/getDASHStreamingSessionURL", content);
        await KvsAssert.ErrorAsync(response, 403, KvsErrorTypes.MissingAuthenticationToken);
    }

    [Fact]
    public async Task Another_tenants_stream_answers_exactly_as_a_missing_stream()
    {
        var foreign = await Assert.ThrowsAsync<KvsException>(() => Host.GatewayClient().GetDashStreamingSessionUrlAsync(OnDemand(PlaybackFixture.OtherStream)));
        var missing = await Assert.ThrowsAsync<KvsException>(() => Host.GatewayClient().GetDashStreamingSessionUrlAsync(OnDemand("acme-missing")));
        Assert.Equal(KvsErrorTypes.ResourceNotFound, foreign.ErrorType);
        Assert.Equal(404, foreign.StatusCode);
        Assert.Equal(missing.ErrorType, foreign.ErrorType);
        Assert.Equal(missing.Message.Replace("acme-missing", "X", StringComparison.Ordinal), foreign.Message.Replace(PlaybackFixture.OtherStream, "X", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invalid_requests_get_the_validator_s_invalid_argument()
    {
        var input = OnDemand(PlaybackFixture.Stream);
        input.Expires = 10;
        var error = await Assert.ThrowsAsync<KvsException>(() => Host.GatewayClient().GetDashStreamingSessionUrlAsync(input));
        Assert.Equal(KvsErrorTypes.InvalidArgument, error.ErrorType);
        Assert.Contains("expires", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_range_without_fragments_is_resource_not_found_from_the_origin()
    {
        var input = OnDemand(PlaybackFixture.Stream);
        input.DashFragmentSelector!.TimestampRange = new TimestampRange { StartTimestamp = DateTimeOffset.UtcNow.AddHours(-5), EndTimestamp = DateTimeOffset.UtcNow.AddHours(-4) };
        var error = await Assert.ThrowsAsync<KvsException>(() => Host.GatewayClient().GetDashStreamingSessionUrlAsync(input));
        Assert.Equal(KvsErrorTypes.ResourceNotFound, error.ErrorType);
    }

    [Fact]
    public async Task A_tenant_gets_only_its_playback_modes_and_sessions_no_longer_than_its_maximum()
    {
        var other = Host.GatewayClient(GatewayHost.OtherTenantKeyId, GatewayHost.OtherTenantSecret);
        var live = await Assert.ThrowsAsync<KvsException>(() => other.GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput { StreamName = PlaybackFixture.OtherStream }));
        Assert.Equal(KvsErrorTypes.NotAuthorized, live.ErrorType);
        Assert.Equal(401, live.StatusCode);

        var input = OnDemand(PlaybackFixture.OtherStream);
        input.Expires = 601;
        var tooLong = await Assert.ThrowsAsync<KvsException>(() => other.GetDashStreamingSessionUrlAsync(input));
        Assert.Equal(KvsErrorTypes.InvalidArgument, tooLong.ErrorType);
        Assert.Contains("600", tooLong.Message, StringComparison.Ordinal);

        input.Expires = 600;
        Assert.NotNull((await other.GetDashStreamingSessionUrlAsync(input)).DashStreamingSessionUrl);
    }

    [Fact]
    public async Task The_AWS_CLI_v2_gets_a_session_url_that_plays()
    {
        var start = _fixture.IngestStarted.ToUnixTimeSeconds();
        var end = _fixture.IngestEnded.ToUnixTimeSeconds();
        string[] arguments =
        [
            "kinesis-video-archived-media", "get-dash-streaming-session-url",
            "--endpoint-url", Host.Gateway.GetLeftPart(UriPartial.Authority),
            "--stream-name", PlaybackFixture.Stream,
            "--playback-mode", "ON_DEMAND",
            "--dash-fragment-selector", $"FragmentSelectorType=SERVER_TIMESTAMP,TimestampRange={{StartTimestamp={start},EndTimestamp={end}}}",
            "--output", "json",
        ];
        var result = await ExternalTool.RunAsync("/usr/bin/aws", arguments, CliEnvironment(GatewayHost.TenantSecret));
        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var url = json.RootElement.GetProperty("DASHStreamingSessionURL").GetString()!;
        using var response = await Host.Http.GetAsync(new Uri(url));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/dash+xml", response.Content.Headers.ContentType!.MediaType);

        var refused = await ExternalTool.RunAsync("/usr/bin/aws", arguments, CliEnvironment("not-the-secret"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("InvalidSignatureException", refused.Error, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> CliEnvironment(string secret) => new()
    {
        ["AWS_ACCESS_KEY_ID"] = GatewayHost.TenantKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = secret,
        ["AWS_DEFAULT_REGION"] = "us-east-1",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_CONFIG_FILE"] = "/dev/null",
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
        ["AWS_MAX_ATTEMPTS"] = "1",
    };

    private GetDashStreamingSessionUrlInput OnDemand(string stream) => new()
    {
        StreamName = stream,
        PlaybackMode = "ON_DEMAND",
        DashFragmentSelector = new FragmentSelector
        {
            FragmentSelectorType = "SERVER_TIMESTAMP",
            TimestampRange = new TimestampRange { StartTimestamp = _fixture.IngestStarted, EndTimestamp = _fixture.IngestEnded },
        },
    };
}
