namespace KvsGateway.Kvs.Manifests;

/// <summary>The MPD KVS serves: one Period, video then audio AdaptationSets.</summary>
public sealed record MpdDocument
{
    public required bool IsDynamic { get; init; }

    public TimeSpan? MediaPresentationDuration { get; init; }

    public DateTimeOffset? AvailabilityStartTime { get; init; }

    public DateTimeOffset? PublishTime { get; init; }

    public TimeSpan? MinimumUpdatePeriod { get; init; }

    public TimeSpan? TimeShiftBufferDepth { get; init; }

    public TimeSpan MinBufferTime { get; init; } = TimeSpan.FromSeconds(2);

    public bool DeclareKvsNamespace { get; init; }

    public required IReadOnlyList<MpdAdaptationSet> AdaptationSets { get; init; }
}
