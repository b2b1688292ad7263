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
        ArgumentNullException.ThrowIfNull(fileName);
        CheckFragmentQuery(query);

        // The manifest's directory as text: one URL parse per fragment request instead of three
        // (manifest, reference, combination); a URL it cannot place is left to Uri's own rules.
        var url = originSessionUrl.AsSpan();
        var end = url.IndexOfAny('?', '#');
        var path = end < 0 ? url : url[..end];
        var authority = path.IndexOf("://", StringComparison.Ordinal);
        var slash = path.LastIndexOf('/');
        if (authority <= 0 || slash <= authority + 2 || path[(authority + 3)..slash].IsEmpty)
        {
            var manifest = new Uri(originSessionUrl);
            return new Uri(manifest, AppendReference(new StringBuilder(), fileName, SessionTokenParameter.Find(manifest.Query), query).ToString());
        }

        var queryText = end >= 0 && url[end] == '?' ? originSessionUrl[end..(url[end..].IndexOf('#') is var hash and >= 0 ? end + hash : url.Length)] : string.Empty;
        var directory = url[..(slash + 1)];
        return new Uri(AppendReference(new StringBuilder(directory.Length + 256).Append(directory), fileName, SessionTokenParameter.Find(queryText), query).ToString());
    }

    /// <summary>
    /// Refuses a fragment request whose allowed parameters are not each a single decimal number
    /// (<c>InvalidArgument</c>), before anything is looked up or fetched by them.
    /// </summary>
    public static void CheckFragmentQuery(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        foreach (var name in AllowedParameters)
        {
            if (query.TryGetValue(name, out var values) && !(values.Count == 1 && values[0] is { Length: > 0 and <= MaxDigits } value && !value.AsSpan().ContainsAnyExceptInRange('0', '9')))
            {
                throw KvsException.InvalidArgument($"{name} must be a single decimal number.");
            }
        }
    }

    // The reference beside the manifest; the query has been checked.
    private static StringBuilder AppendReference(StringBuilder relative, string fileName, string? originToken, IQueryCollection query)
    {
        relative.Append(fileName).Append("?SessionToken=").Append(originToken);
        foreach (var name in AllowedParameters)
        {
            if (query.TryGetValue(name, out var values))
            {
                relative.Append('&').Append(name).Append('=').Append(values[0]);
            }
        }

        return relative;
    }
}
