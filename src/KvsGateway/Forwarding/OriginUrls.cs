using System.Text;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Playback;

namespace KvsGateway.Forwarding;

/// <summary>Maps a gateway playback request to the origin URL it stands for.</summary>
public static class OriginUrls
{
    // What KVS's fragment URLs carry besides the token: DASH's TrackNumber and SequenceNumber, the
    // FragmentNumber of its HLS playlists. Nothing else a client sends reaches the origin.
    private static readonly string[] AllowedParameters = ["TrackNumber", "SequenceNumber", "FragmentNumber"];

    // KVS fragment numbers have up to 128 digits; track and sequence numbers far fewer.
    private const int MaxDigits = 128;

    /// <summary>The origin's HLS media playlist of <paramref name="track"/>, beside its master playlist.</summary>
    public static Uri ForPlaylist(string originSessionUrl, int track)
    {
        ArgumentNullException.ThrowIfNull(originSessionUrl);
        var master = new Uri(originSessionUrl);
        var originToken = SessionTokenParameter.Find(master.Query) ?? string.Empty;
        return new Uri(master, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"getHLSMediaPlaylist.m3u8?SessionToken={originToken}&TrackNumber={track}"));
    }

    /// <summary>
    /// The origin URL for <paramref name="fileName"/> beside the origin manifest: the origin's token
    /// and the allowed parameters of the client's query, each a single decimal number. The client's
    /// query string itself is never copied, so no spelling of <c>SessionToken</c> can carry the
    /// gateway's token (or anything else) to the origin.
    /// </summary>
    public static Uri ForFragment(string originSessionUrl, string fileName, IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(originSessionUrl);
        ArgumentNullException.ThrowIfNull(query);
        var manifest = new Uri(originSessionUrl);
        var originToken = SessionTokenParameter.Find(manifest.Query) ?? string.Empty;
        var relative = new StringBuilder(fileName, fileName.Length + originToken.Length + 64).Append("?SessionToken=").Append(originToken);
        foreach (var name in AllowedParameters)
        {
            if (!query.TryGetValue(name, out var values))
            {
                continue;
            }

            var value = values.Count == 1 ? values[0] : null;
            if (value is not { Length: > 0 and <= MaxDigits } || value.AsSpan().ContainsAnyExceptInRange('0', '9'))
            {
                throw KvsException.InvalidArgument($"{name} must be a single decimal number.");
            }

            relative.Append('&').Append(name).Append('=').Append(value);
        }

        return new Uri(manifest, relative.ToString());
    }
}
