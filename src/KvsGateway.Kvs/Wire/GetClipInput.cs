namespace KvsGateway.Kvs.Wire;

public sealed class GetClipInput
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    public FragmentSelector? ClipFragmentSelector { get; set; }
}
