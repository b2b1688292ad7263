namespace KvsGateway.Kvs.Wire;

/// <summary>KVS operations as KVS names them in its metrics (<c>GetMP4MediaFragment.OutgoingBytes</c> …) and usage.</summary>
public static class KvsOperations
{
    public const string GetDashStreamingSessionUrl = "GetDASHStreamingSessionURL";
    public const string GetDashManifest = "GetDASHManifest";
    public const string GetMp4InitFragment = "GetMP4InitFragment";
    public const string GetMp4MediaFragment = "GetMP4MediaFragment";
    public const string GetHlsStreamingSessionUrl = "GetHLSStreamingSessionURL";
    public const string GetHlsMasterPlaylist = "GetHLSMasterPlaylist";
    public const string GetHlsMediaPlaylist = "GetHLSMediaPlaylist";
    public const string GetTsFragment = "GetTSFragment";
    public const string GetClip = "GetClip";
    public const string ListFragments = "ListFragments";
}
