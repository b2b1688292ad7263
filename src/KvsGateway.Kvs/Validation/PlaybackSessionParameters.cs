namespace KvsGateway.Kvs.Validation;

/// <summary>
/// What DASH and HLS session requests have in common after validation, with every default applied:
/// which fragments (stream, mode, selector, range, how many at a time) and for how long.
/// </summary>
public abstract record PlaybackSessionParameters
{
    public required StreamIdentity Stream { get; init; }

    public required PlaybackMode PlaybackMode { get; init; }

    public required bool DisplayFragmentTimestamp { get; init; }

    public required FragmentSelectorKind SelectorKind { get; init; }

    public DateTimeOffset? StartTimestamp { get; init; }

    public DateTimeOffset? EndTimestamp { get; init; }

    public required int ExpiresSeconds { get; init; }

    /// <summary>MaxManifestFragmentResults (DASH) or MaxMediaPlaylistFragmentResults (HLS).</summary>
    public required int MaxFragmentResults { get; init; }
}
