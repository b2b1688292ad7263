namespace KvsGateway.Authentication;

/// <summary>Section <c>Authentication</c>: how control-plane callers prove who they are.</summary>
public sealed class GatewayAuthenticationOptions
{
    public const string SectionName = "Authentication";

    /// <summary>What to do with <c>x-amz-security-token</c>: tenants hold long-term keys, so a session token is ignored by default.</summary>
    public SecurityTokenPolicy SecurityToken { get; set; } = SecurityTokenPolicy.Ignore;

    /// <summary>The optional second way in: a JWT from a trusted issuer naming the tenant.</summary>
    public BearerTokenOptions Bearer { get; set; } = new();
}
