using KvsGateway.Kvs.Wire;

namespace KvsGateway.OriginSessions;

/// <summary>
/// The session request the gateway sends its origin for a pool: GetDASHStreamingSessionURL or
/// GetHLSStreamingSessionURL, exactly one of them. The pool sets its <c>Expires</c>.
/// </summary>
public sealed record OriginSessionRequest
{
    private OriginSessionRequest(GetDashStreamingSessionUrlInput? dash, GetHlsStreamingSessionUrlInput? hls)
    {
        Dash = dash;
        Hls = hls;
    }

    public GetDashStreamingSessionUrlInput? Dash { get; }

    public GetHlsStreamingSessionUrlInput? Hls { get; }

    /// <summary>The playback mode as sent (a metric label: one of KVS's three values).</summary>
    public string Mode => Dash?.PlaybackMode ?? Hls?.PlaybackMode ?? string.Empty;

    public static OriginSessionRequest For(GetDashStreamingSessionUrlInput dash)
    {
        ArgumentNullException.ThrowIfNull(dash);
        return new OriginSessionRequest(dash, null);
    }

    public static OriginSessionRequest For(GetHlsStreamingSessionUrlInput hls)
    {
        ArgumentNullException.ThrowIfNull(hls);
        return new OriginSessionRequest(null, hls);
    }

    /// <summary>The request a pool entry was opened with, or null for an unshared one.</summary>
    public static OriginSessionRequest? Of(PooledOriginSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.Request is { } dash ? For(dash) : session.HlsRequest is { } hls ? For(hls) : null;
    }
}
