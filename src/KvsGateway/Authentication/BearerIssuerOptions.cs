namespace KvsGateway.Authentication;

/// <summary>
/// One trusted JWT issuer: its name (<c>iss</c>), the audience its tokens must carry for this gateway,
/// its keys (static, or from its JWKS document), the claim naming the tenant, and the tenants it may
/// name. Two entries may share an issuer with different keys, to restrict each key to its tenants.
/// Not sealed: <see cref="BearerTokenOptions"/> is one issuer too, set at the section's own level.
/// </summary>
public class BearerIssuerOptions
{
    public string? Issuer { get; set; }

    /// <summary>Required: a token minted for another service must not open sessions here.</summary>
    public string? Audience { get; set; }

    public string TenantClaim { get; set; } = "tenant";

    /// <summary>Base64 symmetric keys (HS256/384/512), at least 32 bytes each.</summary>
    public List<string> SigningKeys { get; set; } = [];

    /// <summary>The issuer's JSON Web Key Set; https outside Development.</summary>
    public Uri? JwksUri { get; set; }

    /// <summary>How often the JWKS document is fetched again in any case (at least 5 minutes).</summary>
    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long keys from the last successful JWKS fetch stay usable while the issuer cannot be
    /// reached: failed fetches never extend it, so a key the issuer removed does not live on forever.
    /// </summary>
    public TimeSpan JwksKeyLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The tenants this issuer (or these keys) may name; empty allows every configured tenant.</summary>
    public List<string> AllowedTenants { get; set; } = [];
}
