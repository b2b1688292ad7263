using System.ComponentModel.DataAnnotations;

namespace KvsGateway.Authentication;

/// <summary>Section <c>Authentication</c>: how control-plane callers prove who they are.</summary>
public sealed class GatewayAuthenticationOptions
{
    public const string SectionName = "Authentication";

    /// <summary>Regions a SigV4 credential scope may name; empty accepts any (clients sign for the region they are configured with).</summary>
    public List<string> AllowedRegions { get; set; } = [];

    /// <summary>What to do with <c>x-amz-security-token</c>: tenants hold long-term keys, so a session token is ignored by default.</summary>
    public SecurityTokenPolicy SecurityToken { get; set; } = SecurityTokenPolicy.Ignore;

    /// <summary>
    /// Failed authentications one client address may make per second (per replica) before its calls
    /// are refused unchecked for a while; each failure within the allowance is audited.
    /// </summary>
    [Range(1, 100_000)]
    public int FailuresPerAddressPerSecond { get; set; } = 10;

    /// <summary>The optional second way in: a JWT from a trusted issuer naming the tenant.</summary>
    public BearerTokenOptions Bearer { get; set; } = new();
}
