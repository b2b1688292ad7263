namespace KvsGateway.Emulator.Storage;

/// <summary>A stream's description as DescribeStream shows it; stored as <c>stream.json</c>.</summary>
public sealed record StreamRecord
{
    public required string StreamName { get; init; }

    public required string StreamArn { get; init; }

    public string? DeviceName { get; init; }

    public string? MediaType { get; init; }

    public string? KmsKeyId { get; init; }

    public required string Version { get; init; }

    public string Status { get; init; } = "ACTIVE";

    public required DateTimeOffset CreationTime { get; init; }

    public int DataRetentionInHours { get; init; }
}
