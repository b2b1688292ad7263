namespace KvsGateway.Playback;

/// <summary>The playback APIs, named as KVS names them in its metrics.</summary>
public static class PlaybackApi
{
    public const string GetDashManifest = "GetDASHManifest";
    public const string GetMp4InitFragment = "GetMP4InitFragment";
    public const string GetMp4MediaFragment = "GetMP4MediaFragment";
}
