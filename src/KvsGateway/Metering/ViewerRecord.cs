namespace KvsGateway.Metering;

/// <summary>
/// One media fragment delivered to one viewer: who, which stream and session, which KVS fragment
/// (when this replica rewrote the manifest that listed it), which track, how many bytes, when.
/// </summary>
public sealed record ViewerRecord
{
    public required DateTimeOffset Time { get; init; }

    public required string Tenant { get; init; }

    public required string Stream { get; init; }

    public required string SessionId { get; init; }

    public string? FragmentNumber { get; init; }

    public int Track { get; init; }

    public long SequenceNumber { get; init; }

    public long Bytes { get; init; }
}
