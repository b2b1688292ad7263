namespace KvsGateway.Metering;

/// <summary>One key's counts in a spooled batch.</summary>
public sealed class UsageBatchEntry
{
    public required string Tenant { get; init; }

    public required string Stream { get; init; }

    public required string SessionId { get; init; }

    public required string Api { get; init; }

    public DateTimeOffset Hour { get; init; }

    public long Bytes { get; init; }

    public long Requests { get; init; }

    public long Successes { get; init; }

    public long LatencyMicroseconds { get; init; }
}
