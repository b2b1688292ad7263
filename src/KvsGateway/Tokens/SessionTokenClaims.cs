namespace KvsGateway.Tokens;

/// <summary>What a gateway session token binds: the session, its tenant and when it ends.</summary>
public sealed record SessionTokenClaims(string SessionId, string Tenant, DateTimeOffset ExpiresAt);
