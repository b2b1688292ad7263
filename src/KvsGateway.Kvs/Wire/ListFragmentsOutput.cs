namespace KvsGateway.Kvs.Wire;

public sealed class ListFragmentsOutput
{
    public List<Fragment> Fragments { get; set; } = [];

    public string? NextToken { get; set; }
}
