namespace KvsGateway.Kvs.Wire;

public sealed class ListFragmentsInput
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    public long? MaxResults { get; set; }

    public string? NextToken { get; set; }

    public FragmentSelector? FragmentSelector { get; set; }
}
