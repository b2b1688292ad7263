using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KvsGateway.Tokens;

/// <summary>
/// Issues and reads the gateway's own session tokens: JWE with a direct key and A256CBC-HS512,
/// the key named in the <c>kid</c> header. Tampering fails the authentication tag; expiry is
/// checked against <see cref="TimeProvider"/>.
/// </summary>
public sealed class SessionTokenService
{
    private const string SessionClaim = "sid";
    private const string TenantClaim = "tid";
    private const string StreamClaim = "stm";

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly IOptionsMonitor<SessionTokenOptions> _options;
    private readonly TimeProvider _time;

    public SessionTokenService(IOptionsMonitor<SessionTokenOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    public string Issue(SessionTokenClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var options = _options.CurrentValue;
        var key = CreateKey(options.ActiveKeyId, options.Keys[options.ActiveKeyId]);
        var payload = new Dictionary<string, object>
        {
            [SessionClaim] = claims.SessionId,
            [TenantClaim] = claims.Tenant,
            [JwtRegisteredClaimNames.Exp] = claims.ExpiresAt.ToUnixTimeSeconds(),
        };
        if (claims.Stream is not null)
        {
            payload[StreamClaim] = claims.Stream;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Claims = payload,
            EncryptingCredentials = new EncryptingCredentials(key, "dir", SecurityAlgorithms.Aes256CbcHmacSha512),
        };
        return _handler.CreateToken(descriptor);
    }

    /// <summary>The claims of a valid, unexpired token; null for anything else.</summary>
    public async Task<SessionTokenClaims?> ReadAsync(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 8192)
        {
            return null;
        }

        var options = _options.CurrentValue;
        var keys = options.Keys.Select(pair => (SecurityKey)CreateKey(pair.Key, pair.Value)).ToList();
        var parameters = new TokenValidationParameters
        {
            TokenDecryptionKeys = keys,
            RequireSignedTokens = false,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
            ValidateIssuerSigningKey = false,
            TryAllIssuerSigningKeys = false,
        };
        var result = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        // Only an encrypted token counts: the inner token is unsigned, so a bare JWT must never pass.
        if (!result.IsValid
            || result.SecurityToken is not JsonWebToken { IsEncrypted: true, InnerToken: { } inner }
            || !inner.TryGetPayloadValue<string>(SessionClaim, out var sessionId)
            || !inner.TryGetPayloadValue<string>(TenantClaim, out var tenant)
            || !inner.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var exp))
        {
            return null;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(exp);
        return expiresAt <= _time.GetUtcNow() ? null : new SessionTokenClaims(sessionId, tenant, expiresAt, inner.TryGetPayloadValue<string>(StreamClaim, out var stream) ? stream : null);
    }

    private static SymmetricSecurityKey CreateKey(string id, string base64) =>
        new(Convert.FromBase64String(base64)) { KeyId = id };
}
