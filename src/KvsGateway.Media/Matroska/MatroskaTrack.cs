namespace KvsGateway.Media.Matroska;

/// <summary>A TrackEntry of the Segment's Tracks element.</summary>
public sealed record MatroskaTrack
{
    public const int VideoType = 1;
    public const int AudioType = 2;

    public required ulong TrackNumber { get; init; }

    public ulong TrackUid { get; init; }

    public int TrackType { get; init; }

    public required string CodecId { get; init; }

    public byte[]? CodecPrivate { get; init; }

    /// <summary>Nanoseconds per frame when the producer declared it.</summary>
    public ulong? DefaultDurationNs { get; init; }

    public string? Name { get; init; }

    public int PixelWidth { get; init; }

    public int PixelHeight { get; init; }

    public double SamplingFrequency { get; init; }

    public int Channels { get; init; }
}
