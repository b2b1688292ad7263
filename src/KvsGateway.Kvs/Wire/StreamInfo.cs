using System.Text.Json.Serialization;

namespace KvsGateway.Kvs.Wire;

public sealed class StreamInfo
{
    public string? DeviceName { get; set; }

    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    public string? MediaType { get; set; }

    public string? KmsKeyId { get; set; }

    public string? Version { get; set; }

    public string? Status { get; set; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset CreationTime { get; set; }

    public int DataRetentionInHours { get; set; }
}
