using KvsGateway.Testing;
using System.Security.Cryptography;
using System.Text;
using KvsGateway.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace KvsGateway.Tests.Tokens;

public sealed class SessionTokenServiceTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_token_round_trips_its_session_tenant_and_expiry()
    {
        var service = Create(("k1", NewKey()));
        var claims = new SessionTokenClaims("s-123", "tenant-a", _time.GetUtcNow().AddMinutes(5));
        var token = service.Issue(claims);
        Assert.Equal(5, token.Split('.').Length);
        Assert.DoesNotContain("s-123", Encoding.UTF8.GetString(Base64UrlDecode(token.Split('.')[3])), StringComparison.Ordinal);
        Assert.Equal(claims, await service.ReadAsync(token));
    }

    [Fact]
    public async Task A_token_round_trips_its_stream_and_an_older_token_without_one_still_reads()
    {
        var service = Create(("k1", NewKey()));
        var claims = new SessionTokenClaims("s-123", "tenant-a", _time.GetUtcNow().AddMinutes(5), "front-door");
        var token = service.Issue(claims);
        Assert.DoesNotContain("front-door", Encoding.UTF8.GetString(Base64UrlDecode(token.Split('.')[3])), StringComparison.Ordinal);
        Assert.Equal(claims, await service.ReadAsync(token));
        Assert.Null((await service.ReadAsync(service.Issue(claims with { Stream = null })))!.Stream);
    }

    [Fact]
    public async Task Tampered_expired_foreign_and_unencrypted_tokens_are_refused()
    {
        var service = Create(("k1", NewKey()));
        var token = service.Issue(new SessionTokenClaims("s", "t", _time.GetUtcNow().AddMinutes(5)));
        var parts = token.Split('.');
        var cipher = parts[3].ToCharArray();
        cipher[5] = cipher[5] == 'A' ? 'B' : 'A';
        parts[3] = new string(cipher);
        Assert.Null(await service.ReadAsync(string.Join('.', parts)));
        Assert.Null(await service.ReadAsync("not-a-token"));
        Assert.Null(await service.ReadAsync(null));

        // alg=none JWT with the right claims: must never pass.
        var header = Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        var payload = Base64Url($"{{\"sid\":\"s\",\"tid\":\"t\",\"exp\":{_time.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds()}}}");
        Assert.Null(await service.ReadAsync($"{header}.{payload}."));

        var other = Create(("k1", NewKey()));
        Assert.Null(await other.ReadAsync(token));

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(await service.ReadAsync(token));
    }

    [Fact]
    public async Task Tokens_of_a_rotated_key_validate_until_the_key_is_removed()
    {
        var keyA = NewKey();
        var keyB = NewKey();
        var before = Create(("a", keyA));
        var token = before.Issue(new SessionTokenClaims("s", "t", _time.GetUtcNow().AddMinutes(5)));

        var rotated = Create(("b", keyB), ("a", keyA));
        Assert.NotNull(await rotated.ReadAsync(token));
        var fresh = rotated.Issue(new SessionTokenClaims("s2", "t", _time.GetUtcNow().AddMinutes(5)));
        Assert.Contains("\"kid\":\"b\"", Encoding.UTF8.GetString(Base64UrlDecode(fresh.Split('.')[0])), StringComparison.Ordinal);

        var removed = Create(("b", keyB));
        Assert.Null(await removed.ReadAsync(token));
        Assert.NotNull(await removed.ReadAsync(fresh));
    }

    [Fact]
    public async Task A_token_is_a_dir_A256CBC_HS512_JWE_and_tokens_the_token_library_wrote_still_read()
    {
        var key = NewKey();
        var service = Create(("k1", key));
        var claims = new SessionTokenClaims("s-1", "tenant-a", _time.GetUtcNow().AddMinutes(5), "cam");
        var parts = service.Issue(claims).Split('.');
        Assert.Equal("", parts[1]);
        Assert.Equal(16, Base64UrlDecode(parts[2]).Length);
        Assert.Equal(32, Base64UrlDecode(parts[4]).Length);
        using (var header = System.Text.Json.JsonDocument.Parse(Base64UrlDecode(parts[0])))
        {
            Assert.Equal("dir", header.RootElement.GetProperty("alg").GetString());
            Assert.Equal("A256CBC-HS512", header.RootElement.GetProperty("enc").GetString());
            Assert.Equal("k1", header.RootElement.GetProperty("kid").GetString());
        }

        // Tokens issued before the gateway wrote its own (replicas upgraded one at a time) stay valid.
        var library = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sid"] = "s-1", ["tid"] = "tenant-a", ["exp"] = claims.ExpiresAt.ToUnixTimeSeconds(), ["stm"] = "cam" },
            EncryptingCredentials = new Microsoft.IdentityModel.Tokens.EncryptingCredentials(
                new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Convert.FromBase64String(key)) { KeyId = "k1" }, "dir", Microsoft.IdentityModel.Tokens.SecurityAlgorithms.Aes256CbcHmacSha512),
        });
        Assert.Equal(claims, await service.ReadAsync(library));

        // The tag covers the IV: a changed IV is refused.
        var iv = Base64UrlDecode(parts[2]);
        iv[0] ^= 1;
        Assert.Null(await service.ReadAsync(string.Join('.', parts[0], parts[1], Convert.ToBase64String(iv).TrimEnd('=').Replace('+', '-').Replace('/', '_'), parts[3], parts[4])));
    }

    private SessionTokenService Create(params (string Id, string Key)[] keys)
    {
        var options = new SessionTokenOptions { ActiveKeyId = keys[0].Id };
        foreach (var (id, key) in keys)
        {
            options.Keys[id] = key;
        }

        Assert.True(new SessionTokenOptionsValidator().Validate(null, options).Succeeded);
        return new SessionTokenService(new StaticOptionsMonitor<SessionTokenOptions>(options), _time);
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));

    private static string Base64Url(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }
}
