namespace KvsGateway.Kvs.Wire;

public sealed class DescribeStreamInput
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }
}
