using KvsGateway.Kvs.Validation;

namespace KvsGateway.Sessions;

/// <summary>A gateway playback session as kept in Redis.</summary>
public sealed record PlaybackSession
{
    public required string SessionId { get; init; }

    public required string Tenant { get; init; }

    public required string StreamName { get; init; }

    public string? StreamArn { get; init; }

    public required DashPlaybackMode PlaybackMode { get; init; }

    public required string FragmentSelectorType { get; init; }

    public DateTimeOffset? StartTimestamp { get; init; }

    public DateTimeOffset? EndTimestamp { get; init; }

    /// <summary>Whether the client asked for <c>kvs:ts</c>; the origin is always asked for it.</summary>
    public required bool DisplayFragmentTimestamp { get; init; }

    /// <summary>Whether the client asked for <c>kvs:fn</c>; the origin is always asked for it.</summary>
    public required bool DisplayFragmentNumber { get; init; }

    /// <summary>The origin's manifest URL, with the origin's token. Never sent to a client.</summary>
    public required string OriginSessionUrl { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }
}
