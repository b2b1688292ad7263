namespace KvsGateway.Kvs.Wire;

public sealed class DescribeStreamOutput
{
    public StreamInfo? StreamInfo { get; set; }
}
