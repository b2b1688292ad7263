namespace KvsGateway.Kvs.Wire;

public sealed class ListStreamsOutput
{
    public List<StreamInfo> StreamInfoList { get; set; } = [];

    public string? NextToken { get; set; }
}
