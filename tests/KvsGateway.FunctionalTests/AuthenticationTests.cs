using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// The ways into the control plane beyond a plain SigV4 key: bearer JWTs (static key and JWKS),
/// the security-token policy, tenants reloaded from their file with secrets by reference, and the
/// audit trail all of it leaves.
/// </summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private const string Issuer = "https://issuer.example.test";
    private const string SessionUrlCall = """{"StreamName":"acme-nothing","PlaybackMode":"LIVE"}""";

    /// <summary>A gateway in Development (for an http JWKS stand-in), without the demo stream.</summary>
    private static readonly string[] Development = ["--environment", "Development", "--Demo:Enabled", "false"];
    private readonly RedisServer _redis = new();

    public Task InitializeAsync() => _redis.InitializeAsync();

    public Task DisposeAsync() => _redis.DisposeAsync();

    [Fact]
    public async Task A_bearer_JWT_from_the_configured_issuer_names_the_tenant_and_anything_else_is_refused()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        await using var host = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs:
        [
            "--Authentication:Bearer:Issuer", Issuer,
            "--Authentication:Bearer:Audience", "kvs-gateway",
            "--Authentication:Bearer:SigningKeys:0", Convert.ToBase64String(key),
        ]);
        var signing = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256);

        // Accepted: past authentication the origin is asked, and it knows no such stream.
        await AssertBearerAsync(host, Jwt(signing, "acme"), KvsErrorTypes.ResourceNotFound);

        // A tenant's scope still holds for a bearer caller.
        using (var foreign = await BearerPostAsync(host, Jwt(signing, "acme"), """{"StreamName":"other-cam","PlaybackMode":"LIVE"}"""))
        {
            await KvsAssert.ErrorAsync(foreign, 404, KvsErrorTypes.ResourceNotFound);
        }

        var wrongKey = new SigningCredentials(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)), SecurityAlgorithms.HmacSha256);
        foreach (var token in new[]
        {
            Jwt(wrongKey, "acme"),
            Jwt(signing, "acme", issuer: "https://elsewhere.example.test"),
            Jwt(signing, "acme", audience: "another-service"),
            Jwt(signing, "acme", expires: DateTime.UtcNow.AddMinutes(-5)),
            Jwt(signing, "nobody"),
            Jwt(null, "acme"),
            "not-a-jwt",
        })
        {
            await AssertBearerAsync(host, token, KvsErrorTypes.NotAuthorized, 401);
        }
    }

    [Fact]
    public async Task Bearer_keys_come_from_the_issuer_s_JWKS_and_a_rotated_key_is_fetched_when_first_seen()
    {
        using var first = RSA.Create(2048);
        using var second = RSA.Create(2048);
        var published = new List<RsaSecurityKey> { new(first) { KeyId = "k1" } };
        await using var issuer = await StartJwksAsync(() => published);
        await using var host = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs:
        [
            // The stand-in issuer serves http, which only Development accepts.
            .. Development,
            "--Authentication:Bearer:Issuer", Issuer,
            "--Authentication:Bearer:Audience", "kvs-gateway",
            "--Authentication:Bearer:JwksUri", issuer.Url + "/.well-known/jwks.json",
            "--Authentication:Bearer:TenantClaim", "org",
            "--Logging:LogLevel:KvsGateway.Authentication", "Debug",
        ]);

        var k1 = new SigningCredentials(new RsaSecurityKey(first) { KeyId = "k1" }, SecurityAlgorithms.RsaSha256);
        await AssertBearerAsync(host, Jwt(k1, "acme", claim: "org"), KvsErrorTypes.ResourceNotFound);

        published.Add(new RsaSecurityKey(second) { KeyId = "k2" });
        var k2 = new SigningCredentials(new RsaSecurityKey(second) { KeyId = "k2" }, SecurityAlgorithms.RsaSha256);
        await AssertBearerAsync(host, Jwt(k2, "acme", claim: "org"), KvsErrorTypes.ResourceNotFound);

        // A key the issuer never published, and a token naming the tenant in the wrong claim.
        using var stranger = RSA.Create(2048);
        await AssertBearerAsync(host, Jwt(new SigningCredentials(new RsaSecurityKey(stranger) { KeyId = "k3" }, SecurityAlgorithms.RsaSha256), "acme", claim: "org"), KvsErrorTypes.NotAuthorized, 401);
        await AssertBearerAsync(host, Jwt(k1, "acme"), KvsErrorTypes.NotAuthorized, 401);
    }

    /// <summary>Before, an issuer without an audience was accepted and then took tokens minted for any service.</summary>
    [Theory]
    [InlineData("Audience", "--Authentication:Bearer:SigningKeys:0", "Authentication:Bearer:Audience is required")]
    [InlineData("JwksUri", "--Authentication:Bearer:Audience", "Authentication:Bearer:JwksUri must be an absolute https URL")]
    public async Task A_bearer_issuer_without_an_audience_or_with_an_http_JWKS_outside_Development_stops_the_start(string missing, string setting, string message)
    {
        string[] args = missing == "Audience"
            ? ["--Authentication:Bearer:Issuer", Issuer, setting, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))]
            : ["--Authentication:Bearer:Issuer", Issuer, setting, "kvs-gateway", "--Authentication:Bearer:JwksUri", "http://issuer.example.test/jwks.json"];
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: args)).DisposeAsync());
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Each issuer, or each key of an issuer, names only the tenants it may: two entries share the
    /// issuer, one key for acme and one for limited. Before, any valid token could name any tenant.
    /// </summary>
    [Fact]
    public async Task An_issuer_or_key_restricted_to_some_tenants_cannot_name_another()
    {
        var acmeKey = RandomNumberGenerator.GetBytes(32);
        var otherKey = RandomNumberGenerator.GetBytes(32);
        await using var host = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs:
        [
            "--Authentication:Bearer:Issuers:0:Issuer", Issuer,
            "--Authentication:Bearer:Issuers:0:Audience", "kvs-gateway",
            "--Authentication:Bearer:Issuers:0:SigningKeys:0", Convert.ToBase64String(acmeKey),
            "--Authentication:Bearer:Issuers:0:AllowedTenants:0", "acme",
            "--Authentication:Bearer:Issuers:1:Issuer", Issuer,
            "--Authentication:Bearer:Issuers:1:Audience", "kvs-gateway",
            "--Authentication:Bearer:Issuers:1:SigningKeys:0", Convert.ToBase64String(otherKey),
            "--Authentication:Bearer:Issuers:1:AllowedTenants:0", "limited",
        ]);
        var acme = new SigningCredentials(new SymmetricSecurityKey(acmeKey), SecurityAlgorithms.HmacSha256);
        var other = new SigningCredentials(new SymmetricSecurityKey(otherKey), SecurityAlgorithms.HmacSha256);

        // Accepted: past authentication the origin is asked, and it knows no such stream.
        await AssertBearerAsync(host, Jwt(acme, "acme"), KvsErrorTypes.ResourceNotFound);
        using (var allowed = await BearerPostAsync(host, Jwt(other, "limited"), """{"StreamName":"limited-nothing","PlaybackMode":"LIVE"}"""))
        {
            await KvsAssert.ErrorAsync(allowed, 404, KvsErrorTypes.ResourceNotFound);
        }

        await AssertBearerAsync(host, Jwt(acme, "limited"), KvsErrorTypes.NotAuthorized, 401);
        await AssertBearerAsync(host, Jwt(other, "acme"), KvsErrorTypes.NotAuthorized, 401);
        await AssertBearerAsync(host, Jwt(acme, "other"), KvsErrorTypes.NotAuthorized, 401);
    }

    /// <summary>
    /// The issuer removes a key and then cannot be reached. Before, each failed fetch renewed the
    /// cached keys, so the removed key kept working for as long as the issuer was down; now keys
    /// live at most JwksKeyLifetime past the last fetch that succeeded.
    /// </summary>
    [Fact]
    public async Task A_failed_JWKS_fetch_does_not_extend_the_life_of_keys_the_issuer_removed()
    {
        using var first = RSA.Create(2048);
        using var second = RSA.Create(2048);
        var published = new List<RsaSecurityKey> { new(first) { KeyId = "k1" } };
        var failing = false;
        await using var issuer = await StartJwksAsync(() => failing ? null : published);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await GatewayHost.StartAsync(_redis.ConnectionString, clock, extraArgs:
        [
            .. Development,
            "--Authentication:Bearer:Issuer", Issuer,
            "--Authentication:Bearer:Audience", "kvs-gateway",
            "--Authentication:Bearer:JwksUri", issuer.Url + "/.well-known/jwks.json",
            "--Authentication:Bearer:JwksKeyLifetime", "01:00:00",
        ]);
        var k1 = new SigningCredentials(new RsaSecurityKey(first) { KeyId = "k1" }, SecurityAlgorithms.RsaSha256);
        var k2 = new SigningCredentials(new RsaSecurityKey(second) { KeyId = "k2" }, SecurityAlgorithms.RsaSha256);
        await AssertBearerAsync(host, Jwt(k1, "acme", expires: clock.GetUtcNow().UtcDateTime.AddMinutes(10)), KvsErrorTypes.ResourceNotFound);

        // The issuer drops k1 for k2, and is down before the gateway sees it.
        published = [new RsaSecurityKey(second) { KeyId = "k2" }];
        failing = true;
        clock.Advance(TimeSpan.FromHours(2));
        await AssertBearerAsync(host, Jwt(k1, "acme", expires: clock.GetUtcNow().UtcDateTime.AddMinutes(10)), KvsErrorTypes.NotAuthorized, 401);
        await AssertBearerAsync(host, Jwt(k2, "acme", expires: clock.GetUtcNow().UtcDateTime.AddMinutes(10)), KvsErrorTypes.NotAuthorized, 401);

        // Back up: the new key is fetched when first seen, the removed one stays refused.
        failing = false;
        clock.Advance(TimeSpan.FromMinutes(1));
        await AssertBearerAsync(host, Jwt(k2, "acme", expires: clock.GetUtcNow().UtcDateTime.AddMinutes(10)), KvsErrorTypes.ResourceNotFound);
        await AssertBearerAsync(host, Jwt(k1, "acme", expires: clock.GetUtcNow().UtcDateTime.AddMinutes(10)), KvsErrorTypes.NotAuthorized, 401);
    }

    [Fact]
    public async Task The_security_token_policy_ignores_or_rejects_x_amz_security_token()
    {
        await using var ignoring = await GatewayHost.StartAsync(_redis.ConnectionString);
        using (var ignored = await ignoring.SignedPostAsync("/getDASHStreamingSessionURL", SessionUrlCall, GatewayHost.TenantKeyId, GatewayHost.TenantSecret, r => r.Headers.Add("X-Amz-Security-Token", "FwoGZXIvYXdzEXAMPLE")))
        {
            await KvsAssert.ErrorAsync(ignored, 404, KvsErrorTypes.ResourceNotFound);
        }

        await using var rejecting = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: ["--Authentication:SecurityToken", "Reject"]);
        using (var rejected = await rejecting.SignedPostAsync("/getDASHStreamingSessionURL", SessionUrlCall, GatewayHost.TenantKeyId, GatewayHost.TenantSecret, r => r.Headers.Add("X-Amz-Security-Token", "FwoGZXIvYXdzEXAMPLE")))
        {
            await KvsAssert.ErrorAsync(rejected, 403, KvsErrorTypes.UnrecognizedClient);
        }

        using var plain = await rejecting.SignedPostAsync("/getDASHStreamingSessionURL", SessionUrlCall, GatewayHost.TenantKeyId, GatewayHost.TenantSecret);
        await KvsAssert.ErrorAsync(plain, 404, KvsErrorTypes.ResourceNotFound);
    }

    [Fact]
    public async Task Only_regions_the_operator_allows_may_be_signed_for()
    {
        await using var host = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: ["--Authentication:AllowedRegions:0", "eu-west-1"]);
        using (var elsewhere = await host.SignedPostAsync("/getDASHStreamingSessionURL", SessionUrlCall, GatewayHost.TenantKeyId, GatewayHost.TenantSecret))
        {
            await KvsAssert.ErrorAsync(elsewhere, 403, KvsErrorTypes.InvalidSignature);
        }

        using var allowed = await host.SignedPostAsync("/getDASHStreamingSessionURL", SessionUrlCall, GatewayHost.TenantKeyId, GatewayHost.TenantSecret, region: "eu-west-1");
        await KvsAssert.ErrorAsync(allowed, 404, KvsErrorTypes.ResourceNotFound);
    }

    [Fact]
    public async Task Tenants_reload_from_their_file_without_restart_with_secrets_from_the_environment_or_a_file()
    {
        var folder = Directory.CreateTempSubdirectory("kvsgw-tenants-").FullName;
        var tenantsFile = Path.Combine(folder, "tenants.json");
        var secretFile = Path.Combine(folder, "secret.txt");
        var variable = "KVSGW_TEST_SECRET_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, "secret-from-the-environment");
        await File.WriteAllTextAsync(secretFile, "secret-from-a-file\n");
        try
        {
            await File.WriteAllTextAsync(tenantsFile, $$"""
                { "Tenants": { "reloaded": {
                    "AccessKeys": [ { "AccessKeyId": "AKIDRELOADONE", "SecretAccessKeyFromEnvironment": "{{variable}}" } ],
                    "Streams": [ "reloaded-*" ] } } }
                """);
            // Polling makes a failed call a round: more than the default allowance of failures per address.
            await using var host = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: ["--Gateway:TenantsFile", tenantsFile, "--Authentication:FailuresPerAddressPerSecond", "1000"]);
            const string call = """{"StreamName":"reloaded-cam","PlaybackMode":"LIVE"}""";
            using (var first = await host.SignedPostAsync("/getDASHStreamingSessionURL", call, "AKIDRELOADONE", "secret-from-the-environment"))
            {
                await KvsAssert.ErrorAsync(first, 404, KvsErrorTypes.ResourceNotFound);
            }

            // The operator swaps the key for one read from a file; no restart.
            await File.WriteAllTextAsync(tenantsFile, $$"""
                { "Tenants": { "reloaded": {
                    "AccessKeys": [ { "AccessKeyId": "AKIDRELOADTWO", "SecretAccessKeyFile": "{{secretFile}}" } ],
                    "Streams": [ "reloaded-*" ] } } }
                """);
            string? newKey = null;
            string? oldKey = null;
            for (var attempt = 0; attempt < 100 && (newKey != KvsErrorTypes.ResourceNotFound || oldKey != KvsErrorTypes.UnrecognizedClient); attempt++)
            {
                await Task.Delay(100);
                using var withNew = await host.SignedPostAsync("/getDASHStreamingSessionURL", call, "AKIDRELOADTWO", "secret-from-a-file");
                using var withOld = await host.SignedPostAsync("/getDASHStreamingSessionURL", call, "AKIDRELOADONE", "secret-from-the-environment");
                newKey = ErrorType(withNew);
                oldKey = ErrorType(withOld);
            }

            Assert.Equal(KvsErrorTypes.ResourceNotFound, newKey);
            Assert.Equal(KvsErrorTypes.UnrecognizedClient, oldKey);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_audit_log_records_sessions_revocations_failures_and_rejections_without_secrets()
    {
        var auditFile = Path.Combine(Path.GetTempPath(), $"kvsgw-audit-{Guid.NewGuid():N}.jsonl");
        var tenant = "audited" + Guid.NewGuid().ToString("N")[..8];
        var host = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs:
        [
            "--Audit:Path", auditFile,
            .. GatewayHost.TenantArgs(tenant, "AKIDAUDITED", "audited-secret", "SessionUrlsPerStreamPerSecond=1"),
        ]);
        string token;
        try
        {
            var since = await PlaybackFixture.IngestPlayableAsync(host.EmulatorClient(), tenant + "-cam", "h264.mkv");
            var url = await QuotaTests.CreateSessionAsync(host, tenant + "-cam", since, "AKIDAUDITED", "audited-secret");
            token = SecurityTests.Token(url);
            // One session URL per second: of three at once, at least one is refused.
            var calls = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
                host.SignedPostAsync("/getDASHStreamingSessionURL", $$"""{"StreamName":"{{tenant}}-cam","PlaybackMode":"LIVE"}""", "AKIDAUDITED", "audited-secret")));
            Assert.Contains(calls, c => c.StatusCode == HttpStatusCode.BadRequest);
            foreach (var call in calls)
            {
                call.Dispose();
            }

            using (var wrong = await host.SignedPostAsync("/getDASHStreamingSessionURL", SessionUrlCall, "AKIDAUDITED", "not-the-secret"))
            {
                await KvsAssert.ErrorAsync(wrong, 403, KvsErrorTypes.InvalidSignature);
            }

            using var revoked = await host.AdminAsync(HttpMethod.Delete, $"/admin/tenants/{tenant}/sessions");
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }
        finally
        {
            // Stopping drains the audit queue to the file.
            await host.DisposeAsync();
        }

        var text = await File.ReadAllTextAsync(auditFile);
        File.Delete(auditFile);
        var records = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var mine = records.Where(r => r.TryGetProperty("Tenant", out var t) && t.GetString() == tenant).ToList();
        Assert.Contains(mine, r => r.GetProperty("Event").GetString() == "session.created" && r.GetProperty("SessionId").GetString()!.Length == 32);
        Assert.Contains(mine, r => r.GetProperty("Event").GetString() == "quota.rejected" && r.GetProperty("Reason").GetString() == "SessionUrlsPerStreamPerSecond");
        Assert.Contains(mine, r => r.GetProperty("Event").GetString() == "session.revoked" && r.GetProperty("Reason").GetString() == "Tenant");
        Assert.Contains(records, r => r.GetProperty("Event").GetString() == "auth.failed" && r.GetProperty("AccessKeyId").GetString() == "AKIDAUDITED"
            && r.GetProperty("Reason").GetString() == KvsErrorTypes.InvalidSignature);
        Assert.All(records, r => Assert.True(Guid.TryParse(r.GetProperty("RequestId").GetString(), out _)));
        foreach (var secret in new[] { token, "audited-secret", "not-the-secret", GatewayHost.AdminToken, "Signature=" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    private static string ErrorType(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.Single().Split(':')[0] : "none";

    private static async Task AssertBearerAsync(GatewayHost host, string token, string errorType, int status = 404)
    {
        using var response = await BearerPostAsync(host, token, SessionUrlCall);
        await KvsAssert.ErrorAsync(response, status, errorType);
    }

    private static Task<HttpResponseMessage> BearerPostAsync(GatewayHost host, string token, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/getDASHStreamingSessionURL") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return host.Http.SendAsync(request);
    }

    private static string Jwt(SigningCredentials? signing, string tenant, string claim = "tenant", string issuer = Issuer, string audience = "kvs-gateway", DateTime? expires = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Expires = expires ?? DateTime.UtcNow.AddMinutes(10),
            NotBefore = (expires ?? DateTime.UtcNow.AddMinutes(10)).AddMinutes(-20),
            IssuedAt = (expires ?? DateTime.UtcNow.AddMinutes(10)).AddMinutes(-20),
            Claims = new Dictionary<string, object> { [claim] = tenant },
            SigningCredentials = signing,
        });

    /// <summary>A stand-in identity provider publishing a JWKS document that the test can change.</summary>
    private static async Task<JwksServer> StartJwksAsync(Func<IEnumerable<RsaSecurityKey>?> keys)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/.well-known/jwks.json", () =>
        {
            if (keys() is not { } published)
            {
                return Results.StatusCode(500);
            }

            var set = published.Select(k =>
            {
                var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(k);
                return new Dictionary<string, string> { ["kty"] = "RSA", ["kid"] = jwk.Kid, ["use"] = "sig", ["alg"] = "RS256", ["n"] = jwk.N, ["e"] = jwk.E };
            });
            return Results.Text(JsonSerializer.Serialize(new { keys = set }), "application/json");
        });
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new JwksServer(app, url);
    }

    private sealed class JwksServer(WebApplication app, string url) : IAsyncDisposable
    {
        public string Url => url;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
