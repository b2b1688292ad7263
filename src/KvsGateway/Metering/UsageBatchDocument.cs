namespace KvsGateway.Metering;

/// <summary>A batch as written to the spool file, one JSON object per line.</summary>
public sealed class UsageBatchDocument
{
    public Guid Id { get; init; }

    public List<UsageBatchEntry> Entries { get; init; } = [];

    public List<ViewerRecord> Viewers { get; init; } = [];
}
