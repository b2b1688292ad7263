using KvsGateway.Kvs.Errors;
using KvsGateway.Tenancy;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KvsGateway.Authentication;

/// <summary>
/// The second way in, for web back ends: <c>Authorization: Bearer</c> with a JWT from a configured
/// issuer. Signature, issuer, audience and lifetime are checked; the tenant claim must name a
/// configured tenant that this issuer (or this key) may name. Every failure answers the same
/// <c>NotAuthorizedException</c>.
/// </summary>
public sealed partial class BearerTenantAuthenticator
{
    private static readonly string[] Algorithms =
    [
        SecurityAlgorithms.HmacSha256, SecurityAlgorithms.HmacSha384, SecurityAlgorithms.HmacSha512,
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384,
    ];

    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(60);

    private readonly IOptionsMonitor<GatewayAuthenticationOptions> _options;
    private readonly TenantDirectory _tenants;
    private readonly JwksKeySource _jwks;
    private readonly TimeProvider _time;
    private readonly ILogger<BearerTenantAuthenticator> _logger;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private (BearerTokenOptions Options, IReadOnlyList<(BearerIssuerOptions Issuer, SecurityKey[] Keys)> Issuers)? _issuers;

    public BearerTenantAuthenticator(IOptionsMonitor<GatewayAuthenticationOptions> options, TenantDirectory tenants, JwksKeySource jwks, TimeProvider time, ILogger<BearerTenantAuthenticator> logger)
    {
        _logger = logger;
        _options = options;
        _tenants = tenants;
        _jwks = jwks;
        _time = time;
    }

    public async Task<Tenant> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        // Only the issuer is read before the signature is checked, to pick the keys to check it with.
        var claimedIssuer = _handler.CanReadToken(token) ? ReadIssuer(token) : null;
        foreach (var (issuer, keys) in Issuers())
        {
            if (claimedIssuer is null || !string.Equals(issuer.Issuer, claimedIssuer, StringComparison.Ordinal))
            {
                continue;
            }

            var result = await ValidateAsync(token, issuer, keys, refresh: false, cancellationToken).ConfigureAwait(false);
            if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException && issuer.JwksUri is not null)
            {
                result = await ValidateAsync(token, issuer, keys, refresh: true, cancellationToken).ConfigureAwait(false);
            }

            if (!result.IsValid)
            {
                // The exception type says why (expired, bad signature, wrong audience) without quoting the token.
                LogRefused(_logger, result.Exception?.GetType().Name ?? "unknown");
                continue;
            }

            if (result.Claims.TryGetValue(issuer.TenantClaim, out var claim) && claim is string name
                && (issuer.AllowedTenants.Count == 0 || issuer.AllowedTenants.Contains(name, StringComparer.Ordinal))
                && _tenants.FindByName(name) is { } tenant)
            {
                return tenant;
            }

            LogTenantRefused(_logger);
        }

        throw Refused();
    }

    private static string? ReadIssuer(string token)
    {
        try
        {
            return new JsonWebToken(token).Issuer;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The configured issuers with their static keys decoded, once per configuration.</summary>
    private IReadOnlyList<(BearerIssuerOptions Issuer, SecurityKey[] Keys)> Issuers()
    {
        var options = _options.CurrentValue.Bearer;
        if (_issuers is { } cached && ReferenceEquals(cached.Options, options))
        {
            return cached.Issuers;
        }

        var issuers = options.AllIssuers()
            .Select(i => (i, i.SigningKeys.Select(key => (SecurityKey)new SymmetricSecurityKey(Convert.FromBase64String(key))).ToArray()))
            .ToList();
        _issuers = (options, issuers);
        return issuers;
    }

    private async Task<TokenValidationResult> ValidateAsync(string token, BearerIssuerOptions issuer, SecurityKey[] staticKeys, bool refresh, CancellationToken cancellationToken)
    {
        var keys = new List<SecurityKey>(staticKeys);
        if (issuer.JwksUri is not null)
        {
            keys.AddRange(await _jwks.GetKeysAsync(issuer, refresh, cancellationToken).ConfigureAwait(false));
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuer = issuer.Issuer,
            ValidateAudience = true,
            ValidAudience = issuer.Audience,
            IssuerSigningKeys = keys,
            ValidAlgorithms = Algorithms,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = _time.GetUtcNow().UtcDateTime;
                return expires is { } exp && now <= exp + ClockSkew && (notBefore is not { } nbf || now >= nbf - ClockSkew);
            },
        };
        return await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
    }

    [LoggerMessage(1, LogLevel.Debug, "A bearer token was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(2, LogLevel.Debug, "A valid bearer token named a tenant its issuer may not name, or none that is configured")]
    private static partial void LogTenantRefused(ILogger logger);

    private static KvsException Refused() => KvsException.NotAuthorized("The bearer token is not valid for this service.");
}
