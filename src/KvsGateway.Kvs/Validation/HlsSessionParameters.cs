namespace KvsGateway.Kvs.Validation;

/// <summary>A GetHLSStreamingSessionURL request after validation, with every default applied.</summary>
public sealed record HlsSessionParameters : PlaybackSessionParameters
{
    public required HlsContainerFormat ContainerFormat { get; init; }

    public required HlsDiscontinuityMode DiscontinuityMode { get; init; }
}
