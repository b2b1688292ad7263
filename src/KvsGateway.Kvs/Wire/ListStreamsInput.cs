namespace KvsGateway.Kvs.Wire;

public sealed class ListStreamsInput
{
    public int? MaxResults { get; set; }

    public string? NextToken { get; set; }

    public StreamNameCondition? StreamNameCondition { get; set; }
}
