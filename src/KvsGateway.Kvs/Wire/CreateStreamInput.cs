namespace KvsGateway.Kvs.Wire;

public sealed class CreateStreamInput
{
    public string? StreamName { get; set; }

    public string? DeviceName { get; set; }

    public string? MediaType { get; set; }

    public string? KmsKeyId { get; set; }

    public int? DataRetentionInHours { get; set; }

    public Dictionary<string, string>? Tags { get; set; }
}
