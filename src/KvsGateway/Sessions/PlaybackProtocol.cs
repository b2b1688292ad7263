namespace KvsGateway.Sessions;

/// <summary>The streaming protocol of a session: its token opens that protocol's resources only.</summary>
public enum PlaybackProtocol
{
    Dash,
    Hls,
}
