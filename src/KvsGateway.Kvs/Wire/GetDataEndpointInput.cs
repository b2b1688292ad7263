namespace KvsGateway.Kvs.Wire;

public sealed class GetDataEndpointInput
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    public string? APIName { get; set; }
}
