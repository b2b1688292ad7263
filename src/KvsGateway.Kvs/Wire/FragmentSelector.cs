namespace KvsGateway.Kvs.Wire;

/// <summary><c>DASHFragmentSelector</c> of a session request, or <c>FragmentSelector</c> of ListFragments.</summary>
public sealed class FragmentSelector
{
    public string? FragmentSelectorType { get; set; }

    public TimestampRange? TimestampRange { get; set; }
}
