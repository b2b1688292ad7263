namespace KvsGateway.Kvs.Wire;

public sealed class UpdateDataRetentionInput
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    public string? CurrentVersion { get; set; }

    public string? Operation { get; set; }

    public int? DataRetentionChangeInHours { get; set; }
}
