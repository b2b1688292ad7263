namespace KvsGateway.Kvs.Validation;

/// <summary>A GetDASHStreamingSessionURL request after validation, with every default applied.</summary>
public sealed record DashSessionParameters : PlaybackSessionParameters
{
    public required bool DisplayFragmentNumber { get; init; }
}
