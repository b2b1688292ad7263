namespace KvsGateway.Sessions;

/// <summary>Endpoint metadata: the protocol whose sessions a playback path serves (<c>/dash/v1</c> or <c>/hls/v1</c>).</summary>
public sealed record PlaybackProtocolMetadata(PlaybackProtocol Protocol);
