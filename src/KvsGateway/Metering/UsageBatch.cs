namespace KvsGateway.Metering;

/// <summary>
/// The usage of one closed journal segment: its id (the segment's) travels with it to the Redis
/// marker, so applying the same segment twice has no effect.
/// </summary>
public sealed record UsageBatch(Guid Id, IReadOnlyDictionary<UsageKey, UsageCounts> Counts, IReadOnlyList<ViewerRecord> Viewers)
{
    public bool IsEmpty => Counts.Count == 0 && Viewers.Count == 0;
}
