namespace KvsGateway.Media.Packaging;

/// <summary>A Matroska Cluster turned into per-track MP4 sample runs.</summary>
public sealed class PackagedFragment
{
    public PackagedFragment(long clusterTimecode, long timecodeScaleNs, IReadOnlyList<PackagedTrack> tracks)
    {
        ClusterTimecode = clusterTimecode;
        TimecodeScaleNs = timecodeScaleNs;
        Tracks = tracks;
    }

    public long ClusterTimecode { get; }

    public long TimecodeScaleNs { get; }

    public IReadOnlyList<PackagedTrack> Tracks { get; }

    /// <summary>The fragment length, taken from its first (video) track.</summary>
    public TimeSpan Duration => Tracks.Count == 0
        ? TimeSpan.Zero
        : TimeSpan.FromTicks((long)((Int128)Tracks[0].DurationTicks * TimeSpan.TicksPerSecond / Tracks[0].Format.Timescale));
}
