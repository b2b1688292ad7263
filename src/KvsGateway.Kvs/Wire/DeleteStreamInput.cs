namespace KvsGateway.Kvs.Wire;

public sealed class DeleteStreamInput
{
    public string? StreamARN { get; set; }

    public string? CurrentVersion { get; set; }
}
