namespace KvsGateway.Kvs.Wire;

public sealed class StreamNameCondition
{
    public string? ComparisonOperator { get; set; }

    public string? ComparisonValue { get; set; }
}
