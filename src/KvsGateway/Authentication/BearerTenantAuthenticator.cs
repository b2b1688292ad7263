using KvsGateway.Kvs.Errors;
using KvsGateway.Tenancy;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KvsGateway.Authentication;

/// <summary>
/// The second way in, for web back ends: <c>Authorization: Bearer</c> with a JWT from the configured
/// issuer. Signature, issuer, audience and lifetime are checked; the tenant claim must name a
/// configured tenant. Every failure answers the same <c>NotAuthorizedException</c>.
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
    private (BearerTokenOptions Options, SecurityKey[] Keys)? _staticKeys;

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
        var options = _options.CurrentValue.Bearer;
        if (!options.Enabled)
        {
            throw Refused();
        }

        var result = await ValidateAsync(token, options, refetch: false, cancellationToken).ConfigureAwait(false);
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException && options.JwksUri is not null)
        {
            result = await ValidateAsync(token, options, refetch: true, cancellationToken).ConfigureAwait(false);
        }

        if (!result.IsValid)
        {
            // The exception type says why (expired, bad signature, wrong issuer) without quoting the token.
            LogRefused(_logger, result.Exception?.GetType().Name ?? "unknown");
        }

        if (!result.IsValid || !result.Claims.TryGetValue(options.TenantClaim, out var claim) || claim is not string name
            || _tenants.FindByName(name) is not { } tenant)
        {
            throw Refused();
        }

        return tenant;
    }

    private async Task<TokenValidationResult> ValidateAsync(string token, BearerTokenOptions options, bool refetch, CancellationToken cancellationToken)
    {
        // The static keys are decoded once per configuration, not per call.
        if (_staticKeys is not { } cached || !ReferenceEquals(cached.Options, options))
        {
            cached = (options, [.. options.SigningKeys.Select(key => new SymmetricSecurityKey(Convert.FromBase64String(key)))]);
            _staticKeys = cached;
        }

        var keys = new List<SecurityKey>(cached.Keys);

        if (options.JwksUri is { } jwks)
        {
            keys.AddRange(await _jwks.GetKeysAsync(jwks, options.JwksRefreshInterval, refetch, cancellationToken).ConfigureAwait(false));
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidateAudience = !string.IsNullOrEmpty(options.Audience),
            ValidAudience = options.Audience,
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

    private static KvsException Refused() => KvsException.NotAuthorized("The bearer token is not valid for this service.");
}
