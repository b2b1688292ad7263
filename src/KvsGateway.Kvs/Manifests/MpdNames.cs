namespace KvsGateway.Kvs.Manifests;

/// <summary>XML names of the MPEG-DASH MPD and of the KVS extension attributes.</summary>
public static class MpdNames
{
    public const string DashNamespace = "urn:mpeg:dash:schema:mpd:2011";

    /// <summary>Our choice; AWS does not publish the namespace it uses for <c>kvs:ts</c> and <c>kvs:fn</c>.</summary>
    public const string KvsNamespace = "https://kinesisvideo.amazonaws.com/doc/2017-09-30/";

    public const string KvsPrefix = "kvs";
    public const string FragmentTimestamp = "ts";
    public const string FragmentNumber = "fn";
    public const string ContentType = "application/dash+xml";
}
