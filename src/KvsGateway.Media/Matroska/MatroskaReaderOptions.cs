namespace KvsGateway.Media.Matroska;

/// <summary>Bounds that keep hostile input from exhausting memory.</summary>
public sealed class MatroskaReaderOptions
{
    /// <summary>KVS refuses fragments over 50 MB.</summary>
    public long MaxClusterBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>Largest header-level element (Tracks, Info, Tags) that is read into memory.</summary>
    public int MaxHeaderElementBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>KVS refuses fragments longer than 20 s.</summary>
    public TimeSpan MaxClusterDuration { get; init; } = TimeSpan.FromSeconds(20);
}
