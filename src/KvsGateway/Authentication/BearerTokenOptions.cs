namespace KvsGateway.Authentication;

/// <summary>
/// <c>Authentication:Bearer</c>: JWTs from trusted issuers naming a tenant. One issuer can be set
/// directly here (its settings at this level), more under <c>Issuers</c>. Off while none is set.
/// </summary>
public sealed class BearerTokenOptions
{
    public string? Issuer { get; set; }

    public string? Audience { get; set; }

    public string TenantClaim { get; set; } = "tenant";

    public List<string> SigningKeys { get; set; } = [];

    public Uri? JwksUri { get; set; }

    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan JwksKeyLifetime { get; set; } = TimeSpan.FromHours(1);

    public List<string> AllowedTenants { get; set; } = [];

    /// <summary>Further issuers, each with its own audience, keys and tenants.</summary>
    public List<BearerIssuerOptions> Issuers { get; set; } = [];

    /// <summary>Every configured issuer: the one set at this level first, then <see cref="Issuers"/>.</summary>
    public IEnumerable<BearerIssuerOptions> AllIssuers()
    {
        if (TopLevelIssuer() is { } top)
        {
            yield return top;
        }

        foreach (var issuer in Issuers)
        {
            yield return issuer;
        }
    }

    /// <summary>The issuer set directly at this level, when any of its settings is.</summary>
    public BearerIssuerOptions? TopLevelIssuer() =>
        string.IsNullOrEmpty(Issuer) && string.IsNullOrEmpty(Audience) && SigningKeys.Count == 0 && JwksUri is null
            ? null
            : new BearerIssuerOptions
            {
                Issuer = Issuer,
                Audience = Audience,
                TenantClaim = TenantClaim,
                SigningKeys = SigningKeys,
                JwksUri = JwksUri,
                JwksRefreshInterval = JwksRefreshInterval,
                JwksKeyLifetime = JwksKeyLifetime,
                AllowedTenants = AllowedTenants,
            };
}
