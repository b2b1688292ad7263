namespace KvsGateway.OriginSessions;

/// <summary>An origin session in the pool: what every viewer that joins it needs to reach the origin.</summary>
public sealed record PooledOriginSession
{
    /// <summary>The gateway's name for the origin session (32 hex digits): fragment cache and manifest keys use it, never the origin's token.</summary>
    public required string Id { get; init; }

    /// <summary>The origin's manifest URL, with the origin's token. Never sent to a client.</summary>
    public required string Url { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }
}
