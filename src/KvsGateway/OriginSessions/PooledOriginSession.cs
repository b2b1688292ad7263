using KvsGateway.Kvs.Wire;

namespace KvsGateway.OriginSessions;

/// <summary>An origin session in the pool: what every viewer that joins it needs to reach the origin.</summary>
public sealed record PooledOriginSession
{
    /// <summary>The gateway's name for the origin session (32 hex digits): fragment cache and manifest keys use it, never the origin's token.</summary>
    public required string Id { get; init; }

    /// <summary>The origin's manifest (DASH) or master playlist (HLS) URL, with the origin's token. Never sent to a client.</summary>
    public required string Url { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The pool key's hash (<see cref="OriginSessionKey.Hash"/>); null for a viewer's own, unshared origin session.</summary>
    public string? Pool { get; init; }

    /// <summary>The stream's name, as the gateway validated it (its origin budget is counted under it); null for an unshared session.</summary>
    public string? Stream { get; init; }

    /// <summary>
    /// The origin request this session was opened with: any replica that finds its budget spent
    /// opens the next one for the same key with it. Null for an unshared session.
    /// </summary>
    public GetDashStreamingSessionUrlInput? Request { get; init; }

    /// <summary>As <see cref="Request"/>, for an HLS origin session.</summary>
    public GetHlsStreamingSessionUrlInput? HlsRequest { get; init; }
}
