namespace KvsGateway.Demo;

/// <summary>What the demo page asks for: a stream, a playback mode, a protocol and, for the replay modes, a time range.</summary>
public sealed class DemoSessionRequest
{
    public string? StreamName { get; set; }

    public string? PlaybackMode { get; set; }

    /// <summary><c>HLS</c> for an HLS session (browsers that play HLS natively prefer it); DASH otherwise.</summary>
    public string? Protocol { get; set; }

    public DateTimeOffset? StartTimestamp { get; set; }

    public DateTimeOffset? EndTimestamp { get; set; }
}
