using KvsGateway.Kvs.Validation;

namespace KvsGateway.Sessions;

/// <summary>A gateway playback session as kept in Redis.</summary>
public sealed record PlaybackSession
{
    public required string SessionId { get; init; }

    public required string Tenant { get; init; }

    public required string StreamName { get; init; }

    public string? StreamArn { get; init; }

    public required PlaybackMode PlaybackMode { get; init; }

    /// <summary>DASH or HLS: which playback resources the session's token opens (records written before HLS are DASH).</summary>
    public PlaybackProtocol Protocol { get; init; }

    public required string FragmentSelectorType { get; init; }

    public DateTimeOffset? StartTimestamp { get; init; }

    public DateTimeOffset? EndTimestamp { get; init; }

    /// <summary>Whether the client asked for <c>kvs:ts</c> (HLS: <c>EXT-X-PROGRAM-DATE-TIME</c>); the origin is always asked for it.</summary>
    public required bool DisplayFragmentTimestamp { get; init; }

    /// <summary>Whether the client asked for <c>kvs:fn</c> (DASH only); the origin is always asked for it.</summary>
    public required bool DisplayFragmentNumber { get; init; }

    /// <summary>The origin's manifest (DASH) or master playlist (HLS) URL, with the origin's token. Never sent to a client.</summary>
    public required string OriginSessionUrl { get; init; }

    /// <summary>
    /// The pooled origin session behind <see cref="OriginSessionUrl"/>, shared with other viewers: the
    /// key of its cached manifests and fragments. Null in records written before the pool existed.
    /// </summary>
    public string? OriginSessionId { get; init; }

    /// <summary>The pool the origin session belongs to (its key's hash): where a spent origin session is replaced. Null when unshared.</summary>
    public string? OriginPool { get; init; }

    /// <summary>When the pooled origin session ends (at or after this session); null in records written before the pool existed.</summary>
    public DateTimeOffset? OriginExpiresAt { get; init; }

    /// <summary>The manifest's fragment limit asked of the origin (the metadata points each origin manifest costs the stream).</summary>
    public int MaxManifestFragmentResults { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }
}
