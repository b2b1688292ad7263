namespace KvsGateway.Authentication;

/// <summary>
/// <c>Authentication:Bearer</c>: JWTs from trusted issuers naming a tenant. One issuer can be set
/// directly here (its settings at this level), more under <c>Issuers</c>. Off while none is set.
/// </summary>
public sealed class BearerTokenOptions : BearerIssuerOptions
{
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
        string.IsNullOrEmpty(Issuer) && string.IsNullOrEmpty(Audience) && SigningKeys.Count == 0 && JwksUri is null ? null : this;
}
