namespace KvsGateway.Quotas;

/// <summary>A session counted against its tenant's concurrency limit.</summary>
public sealed record OpenSession(string SessionId, string Stream, DateTimeOffset ExpiresAt);
