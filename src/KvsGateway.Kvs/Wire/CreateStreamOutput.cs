namespace KvsGateway.Kvs.Wire;

public sealed class CreateStreamOutput
{
    public string? StreamARN { get; set; }
}
