namespace KvsGateway.Kvs.Manifests;

/// <summary>An AdaptationSet with one Representation and a SegmentTemplate with a SegmentTimeline.</summary>
public sealed record MpdAdaptationSet
{
    public required string ContentType { get; init; }

    public required string MimeType { get; init; }

    public required string Codecs { get; init; }

    public required string RepresentationId { get; init; }

    public long Bandwidth { get; init; }

    public int Width { get; init; }

    public int Height { get; init; }

    public int AudioSamplingRate { get; init; }

    public int AudioChannels { get; init; }

    public required uint Timescale { get; init; }

    public required string Initialization { get; init; }

    public required string Media { get; init; }

    public ulong StartNumber { get; init; } = 1;

    public required IReadOnlyList<MpdSegment> Segments { get; init; }
}
