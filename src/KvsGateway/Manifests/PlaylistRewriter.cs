using System.Text;
using KvsGateway.Kvs.Errors;

namespace KvsGateway.Manifests;

/// <summary>
/// Rewrites an origin HLS playlist (RFC 8216) line by line: every URI — a URI line, or a
/// <c>URI="…"</c> attribute of a tag (<c>EXT-X-MAP</c>, <c>EXT-X-MEDIA</c> …) — becomes a file name
/// under the gateway's <c>/hls/v1/</c> with the gateway's token in place of the origin's and every
/// other query parameter untouched; <c>EXT-X-PROGRAM-DATE-TIME</c> is kept only when the viewer asked
/// for fragment timestamps. Everything else is copied.
/// </summary>
public static class PlaylistRewriter
{
    private const string ProgramDateTime = "#EXT-X-PROGRAM-DATE-TIME";
    private const string UriAttribute = "URI=\"";

    public static byte[] Rewrite(ReadOnlySpan<byte> origin, Uri originPlaylistUrl, string gatewayToken, bool keepFragmentTimestamp)
    {
        ArgumentNullException.ThrowIfNull(originPlaylistUrl);
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(origin);
        }
        catch (DecoderFallbackException)
        {
            throw NotAPlaylist();
        }

        if (!text.StartsWith("#EXTM3U", StringComparison.Ordinal))
        {
            throw NotAPlaylist();
        }

        var output = new StringBuilder(text.Length + 1024);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] != '#')
            {
                output.Append(ManifestRewriter.RewriteUrl(line.Trim(), originPlaylistUrl, originPlaylistUrl, gatewayToken)).Append('\n');
                continue;
            }

            if (!keepFragmentTimestamp && line.StartsWith(ProgramDateTime, StringComparison.Ordinal))
            {
                continue;
            }

            var at = line.IndexOf(UriAttribute, StringComparison.Ordinal);
            if (at < 0)
            {
                output.Append(line).Append('\n');
                continue;
            }

            var start = at + UriAttribute.Length;
            var end = line.IndexOf('"', start);
            if (end < 0)
            {
                throw NotAPlaylist();
            }

            output.Append(line, 0, start)
                .Append(ManifestRewriter.RewriteUrl(line[start..end], originPlaylistUrl, originPlaylistUrl, gatewayToken))
                .Append(line, end, line.Length - end)
                .Append('\n');
        }

        return Encoding.UTF8.GetBytes(output.ToString());
    }

    private static KvsException NotAPlaylist() =>
        new(KvsErrorTypes.InternalFailure, 502, "The origin sent a playlist that is not an HLS playlist.");
}
