using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;
using KvsGateway.Testing;
using KvsGateway.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KvsGateway.FunctionalTests;

/// <summary>Attacks on tokens, tenants and the admin API, each refused without a useful word.</summary>
public sealed class SecurityTests : IClassFixture<PlaybackFixture>
{
    private const string TokenRefusal = "The session token is invalid or has expired.";
    private readonly PlaybackFixture _fixture;

    public SecurityTests(PlaybackFixture fixture)
    {
        _fixture = fixture;
    }

    private GatewayHost Host => _fixture.Host;

    [Fact]
    public async Task Forged_truncated_re_encrypted_and_rebound_tokens_are_all_refused_alike()
    {
        var url = await CreateSessionAsync(PlaybackFixture.Stream);
        var token = Token(url);
        var real = Host.App.Services.GetRequiredService<SessionTokenService>();
        var claims = (await real.ReadAsync(token))!;

        // Same key id, another key: what someone without the key can make.
        var attackerOptions = new SessionTokenOptions { ActiveKeyId = Host.TokenKeys[0].Id };
        attackerOptions.Keys[Host.TokenKeys[0].Id] = GatewayHost.NewTokenKey();
        var reEncrypted = new SessionTokenService(new StaticOptionsMonitor<SessionTokenOptions>(attackerOptions), TimeProvider.System).Issue(claims);

        // The right key but another tenant's name: the session record still binds acme.
        var rebound = real.Issue(claims with { Tenant = "other" });

        // An unencrypted JWT with the same claims: the inner token is unsigned and must never pass alone.
        var bare = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sid"] = claims.SessionId, ["tid"] = claims.Tenant, ["exp"] = claims.ExpiresAt.ToUnixTimeSeconds() },
        });

        string[] attacks =
        [
            Base64Url(RandomNumberGenerator.GetBytes(24)) + "." + Base64Url(RandomNumberGenerator.GetBytes(24)) + ".." + Base64Url(RandomNumberGenerator.GetBytes(48)) + "." + Base64Url(RandomNumberGenerator.GetBytes(16)),
            token[..^12],
            token[..(token.Length / 2)],
            Tamper(token),
            reEncrypted,
            rebound,
            bare,
            string.Empty,
        ];
        foreach (var attack in attacks)
        {
            foreach (var path in new[] { "/dash/v1/getDASHManifest.mpd", "/dash/v1/getMP4MediaFragment.mp4" })
            {
                using var response = await Host.Http.GetAsync($"{path}?SessionToken={Uri.EscapeDataString(attack)}&TrackNumber=1&SequenceNumber=1");
                await KvsAssert.ErrorAsync(response, 403, KvsErrorTypes.NotAuthorized);
                var body = await response.Content.ReadAsStringAsync();
                Assert.Contains(TokenRefusal, body, StringComparison.Ordinal);
                Assert.DoesNotContain(PlaybackFixture.Stream, body, StringComparison.Ordinal);
                Assert.DoesNotContain("acme", body, StringComparison.Ordinal);
            }
        }

        using var genuine = await Host.Http.GetAsync(url.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
    }

    /// <summary>
    /// ASP.NET reads query keys in any case, so <c>sessiontoken=</c> authenticates; before, the origin
    /// request copied the client's query and swapped only <c>SessionToken=</c>, so the gateway's own
    /// token went to the origin (which refused it) and the fragment never played.
    /// </summary>
    [Fact]
    public async Task A_fragment_asked_for_with_the_token_in_another_case_plays_and_extra_parameters_stay_home()
    {
        var url = await CreateSessionAsync(PlaybackFixture.Stream);
        using var manifest = await Host.Http.GetAsync(url.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        var token = Uri.EscapeDataString(Token(url));
        foreach (var key in new[] { "sessiontoken", "SESSIONTOKEN", "sessionToken" })
        {
            using var fragment = await Host.Http.GetAsync($"/dash/v1/getMP4MediaFragment.mp4?{key}={token}&TrackNumber=1&SequenceNumber=1&X-Extra=%0d%0aInjected");
            Assert.Equal(HttpStatusCode.OK, fragment.StatusCode);
            Assert.True((await fragment.Content.ReadAsByteArrayAsync()).Length > 1000);
        }

        using var bad = await Host.Http.GetAsync($"/dash/v1/getMP4MediaFragment.mp4?SessionToken={token}&TrackNumber=1&SequenceNumber=1%20OR%201");
        await KvsAssert.ErrorAsync(bad, 400, KvsErrorTypes.InvalidArgument);
    }

    [Fact]
    public async Task Another_tenants_stream_by_ARN_answers_as_a_missing_ARN_and_its_token_reaches_only_its_own_stream()
    {
        var described = await Host.EmulatorClient().DescribeStreamAsync(new DescribeStreamInput { StreamName = PlaybackFixture.Stream });
        var arn = described.StreamInfo!.StreamARN!;
        var missingArn = arn.Replace(PlaybackFixture.Stream, "other-nothing", StringComparison.Ordinal);
        var other = Host.GatewayClient(GatewayHost.OtherTenantKeyId, GatewayHost.OtherTenantSecret);
        var foreign = await Assert.ThrowsAsync<KvsException>(() => other.GetDashStreamingSessionUrlAsync(OnDemandByArn(arn)));
        var missing = await Assert.ThrowsAsync<KvsException>(() => other.GetDashStreamingSessionUrlAsync(OnDemandByArn(missingArn)));
        Assert.Equal(KvsErrorTypes.ResourceNotFound, foreign.ErrorType);
        Assert.Equal(missing.ErrorType, foreign.ErrorType);
        Assert.Equal(missing.Message.Replace(missingArn, "X", StringComparison.Ordinal), foreign.Message.Replace(arn, "X", StringComparison.Ordinal));
        var endpoint = await Assert.ThrowsAsync<KvsException>(() => other.GetDataEndpointAsync(null, arn, ApiNames.GetDashStreamingSessionUrl));
        Assert.Equal(KvsErrorTypes.ResourceNotFound, endpoint.ErrorType);

        // Tenant other's token, whatever the URL asks for, serves other's stream only.
        var otherUrl = new Uri((await other.GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput
        {
            StreamName = PlaybackFixture.OtherStream,
            PlaybackMode = "ON_DEMAND",
            DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = _fixture.IngestStarted, EndTimestamp = _fixture.IngestEnded } },
        })).DashStreamingSessionUrl!);
        using var manifest = await Host.Http.GetAsync(otherUrl.PathAndQuery + "&StreamName=" + PlaybackFixture.Stream);
        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        var session = (await Host.App.Services.GetRequiredService<SessionTokenService>().ReadAsync(Token(otherUrl)))!;
        Assert.Equal("other", session.Tenant);
    }

    [Fact]
    public async Task The_admin_API_refuses_a_missing_or_wrong_token_without_detail()
    {
        foreach (var authorization in new string?[] { null, "Bearer wrong-token", "Bearer " + GatewayHost.AdminToken + "x", "Basic " + GatewayHost.AdminToken, "Bearer " })
        {
            foreach (var (method, path) in new[] { (HttpMethod.Get, "/admin/tenants"), (HttpMethod.Get, "/admin/tenants/acme/sessions"), (HttpMethod.Post, "/admin/tenants/acme/disable"), (HttpMethod.Delete, "/admin/tenants/acme/sessions") })
            {
                using var request = new HttpRequestMessage(method, path);
                if (authorization is not null)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", authorization);
                }

                using var response = await Host.ManagementHttp.SendAsync(request);
                await KvsAssert.ErrorAsync(response, 401, KvsErrorTypes.NotAuthorized);
                var body = await response.Content.ReadAsStringAsync();
                Assert.DoesNotContain("acme", body, StringComparison.Ordinal);
                Assert.DoesNotContain(GatewayHost.AdminToken, body, StringComparison.Ordinal);
            }
        }

        using var listed = await Host.AdminAsync(HttpMethod.Get, "/admin/tenants");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
    }

    [Fact]
    public async Task The_admin_API_is_described_by_an_OpenAPI_document()
    {
        using var response = await Host.ManagementHttp.GetAsync("/admin/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = json.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/admin/tenants", "/admin/tenants/{tenant}/sessions", "/admin/tenants/{tenant}/quota", "/admin/tenants/{tenant}/disable", "/admin/sessions/{sessionId}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
    }

    private async Task<Uri> CreateSessionAsync(string stream)
    {
        var output = await Host.GatewayClient().GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput
        {
            StreamName = stream,
            PlaybackMode = "ON_DEMAND",
            DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = _fixture.IngestStarted, EndTimestamp = _fixture.IngestEnded } },
        });
        return new Uri(output.DashStreamingSessionUrl!);
    }

    private GetDashStreamingSessionUrlInput OnDemandByArn(string arn) => new()
    {
        StreamARN = arn,
        PlaybackMode = "ON_DEMAND",
        DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = _fixture.IngestStarted, EndTimestamp = _fixture.IngestEnded } },
    };

    internal static string Token(Uri url) => System.Web.HttpUtility.ParseQueryString(url.Query)["SessionToken"]!;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Flips one character inside the ciphertext part of the JWE.</summary>
    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var cipher = parts[3].ToCharArray();
        cipher[cipher.Length / 2] = cipher[cipher.Length / 2] == 'A' ? 'B' : 'A';
        parts[3] = new string(cipher);
        return string.Join('.', parts);
    }
}
