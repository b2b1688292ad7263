namespace KvsGateway.Kvs.Validation;

/// <summary>A GetDASHStreamingSessionURL request after validation, with every default applied.</summary>
public sealed record DashSessionParameters
{
    public required StreamIdentity Stream { get; init; }

    public required DashPlaybackMode PlaybackMode { get; init; }

    public required bool DisplayFragmentTimestamp { get; init; }

    public required bool DisplayFragmentNumber { get; init; }

    public required FragmentSelectorKind SelectorKind { get; init; }

    public DateTimeOffset? StartTimestamp { get; init; }

    public DateTimeOffset? EndTimestamp { get; init; }

    public required int ExpiresSeconds { get; init; }

    public required int MaxManifestFragmentResults { get; init; }
}
