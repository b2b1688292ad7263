using KvsGateway.Kvs.Playback;

namespace KvsGateway.Forwarding;

/// <summary>Maps a gateway playback request to the origin URL it stands for.</summary>
public static class OriginUrls
{
    /// <summary>
    /// The origin URL for <paramref name="fileName"/> beside the origin manifest, carrying the client's
    /// query with the gateway token swapped for the origin's token.
    /// </summary>
    public static Uri ForFragment(string originSessionUrl, string fileName, string rawQuery)
    {
        ArgumentNullException.ThrowIfNull(originSessionUrl);
        ArgumentNullException.ThrowIfNull(rawQuery);
        var manifest = new Uri(originSessionUrl);
        var originToken = SessionTokenParameter.Find(manifest.Query) ?? string.Empty;
        return new Uri(manifest, fileName + "?" + SessionTokenParameter.Replace(rawQuery, originToken));
    }
}
