namespace KvsGateway.Media.Matroska;

/// <summary>Bounds that keep hostile input from exhausting memory.</summary>
public sealed class MatroskaReaderOptions
{
    /// <summary>KVS refuses fragments over 50 MB.</summary>
    public long MaxClusterBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>Largest header-level element (Tracks, Info, Tags) that is read into memory.</summary>
    public int MaxHeaderElementBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Frames one cluster may hold: 20 s of 240 fps video with two audio tracks of 1,024-sample
    /// frames at 48 kHz fits easily. Each frame costs memory whatever its size, so this bounds a
    /// cluster's bookkeeping independently of its bytes.
    /// </summary>
    public int MaxFramesPerCluster { get; init; } = 10_000;

    /// <summary>
    /// Bytes a cluster must hold per frame it describes, on average. The smallest real frames (AAC
    /// silence, 4–6 bytes) take 10 or more with their block header; denser input exists only to make
    /// the reader spend memory on frame bookkeeping out of proportion to the bytes received.
    /// </summary>
    public int MinBytesPerFrame { get; init; } = 8;

    /// <summary>Frames one laced block may hold (the format allows 256; producers lace a handful of audio frames).</summary>
    public int MaxFramesPerBlock { get; init; } = 64;

    /// <summary>KVS refuses fragments longer than 20 s.</summary>
    public TimeSpan MaxClusterDuration { get; init; } = TimeSpan.FromSeconds(20);
}
