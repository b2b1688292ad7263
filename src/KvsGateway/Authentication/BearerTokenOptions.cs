namespace KvsGateway.Authentication;

/// <summary>
/// <c>Authentication:Bearer</c>: JWTs from one issuer, signed with a static key or a key from its
/// JWKS document, whose <see cref="TenantClaim"/> names the tenant. Off while no issuer is set.
/// </summary>
public sealed class BearerTokenOptions
{
    public string? Issuer { get; set; }

    public string? Audience { get; set; }

    public string TenantClaim { get; set; } = "tenant";

    /// <summary>Base64 symmetric keys (HS256/384/512), at least 32 bytes each.</summary>
    public List<string> SigningKeys { get; set; } = [];

    /// <summary>The issuer's JSON Web Key Set, fetched and cached; unknown key ids trigger a refetch.</summary>
    public Uri? JwksUri { get; set; }

    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    public bool Enabled => !string.IsNullOrEmpty(Issuer);
}
