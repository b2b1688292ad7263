namespace KvsGateway.Tokens;

/// <summary>
/// What a gateway session token binds: the session, its tenant and when it ends, and the stream it
/// plays (null in tokens issued before streams were named in them), so an answer to the token can be
/// billed to its tenant and stream even when the session itself cannot be read.
/// </summary>
public sealed record SessionTokenClaims(string SessionId, string Tenant, DateTimeOffset ExpiresAt, string? Stream = null);
