namespace KvsGateway.Emulator.Storage;

/// <summary>Everything stored of a fragment except its sample bytes.</summary>
public sealed record FragmentHeader
{
    public required string FragmentNumber { get; init; }

    public required DateTimeOffset ProducerTimestamp { get; init; }

    public required DateTimeOffset ServerTimestamp { get; init; }

    public required long TimecodeScaleNs { get; init; }

    public required long ClusterTimecode { get; init; }

    public required long DurationMs { get; init; }

    public required IReadOnlyList<StoredTrack> Tracks { get; init; }

    /// <summary>Offset of the first sample byte in the fragment file.</summary>
    public long PayloadOffset { get; init; }

    public long PayloadLength { get; init; }

    public StoredTrack? FindTrack(ulong trackNumber) => Tracks.FirstOrDefault(t => t.Track.TrackNumber == trackNumber);
}
