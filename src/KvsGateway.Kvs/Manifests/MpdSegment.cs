namespace KvsGateway.Kvs.Manifests;

/// <summary>One <c>S</c> of a SegmentTimeline: start and duration in the AdaptationSet's timescale.</summary>
public readonly record struct MpdSegment(ulong Start, ulong Duration, long? FragmentTimestampMs, string? FragmentNumber);
