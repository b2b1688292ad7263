namespace KvsGateway.Playback;

/// <summary>The metered APIs, named as KVS names them in its metrics: the three playback calls and the session-URL call.</summary>
public static class PlaybackApi
{
    public const string GetDashManifest = "GetDASHManifest";
    public const string GetMp4InitFragment = "GetMP4InitFragment";
    public const string GetMp4MediaFragment = "GetMP4MediaFragment";
    public const string GetDashStreamingSessionUrl = "GetDASHStreamingSessionURL";
}
