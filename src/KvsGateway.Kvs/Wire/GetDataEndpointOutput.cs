namespace KvsGateway.Kvs.Wire;

public sealed class GetDataEndpointOutput
{
    public string? DataEndpoint { get; set; }
}
