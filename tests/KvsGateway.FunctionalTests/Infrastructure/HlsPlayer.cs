using System.Security.Cryptography;

namespace KvsGateway.FunctionalTests.Infrastructure;

/// <summary>
/// A minimal HLS viewer: reads a master playlist, each media playlist it names (variants and
/// renditions), each playlist's init segment and every segment once. Media is keyed by resource,
/// track and fragment number (never by token), with the SHA-256 of what was received.
/// </summary>
internal static class HlsPlayer
{
    public static async Task<Played> PlayAsync(HttpClient http, Uri master)
    {
        long total = 0;
        var media = new Dictionary<string, string>(StringComparer.Ordinal);
        async Task<byte[]> GetAsync(Uri url)
        {
            using var answer = await http.GetAsync(url);
            var body = await answer.Content.ReadAsByteArrayAsync();
            Assert.True(answer.IsSuccessStatusCode, $"{(int)answer.StatusCode} {url.AbsolutePath}: {System.Text.Encoding.UTF8.GetString(body)}");
            total += body.Length;
            return body;
        }

        var playlists = Uris(System.Text.Encoding.UTF8.GetString(await GetAsync(master))).Select(u => new Uri(master, u)).ToList();
        Assert.NotEmpty(playlists);
        foreach (var playlist in playlists)
        {
            var text = System.Text.Encoding.UTF8.GetString(await GetAsync(playlist));
            Assert.StartsWith("#EXTM3U", text, StringComparison.Ordinal);
            foreach (var uri in Uris(text))
            {
                var url = new Uri(playlist, uri);
                media[Key(url)] = Convert.ToHexStringLower(SHA256.HashData(await GetAsync(url)));
            }
        }

        return new Played(media, total);
    }

    /// <summary>
    /// The first media playlist of <paramref name="master"/> as a player assembles it: each segment
    /// after the init segment (<c>EXT-X-MAP</c>) in force for it — one playable fragmented MP4 per segment.
    /// </summary>
    public static async Task<List<byte[]>> SegmentsWithInitsAsync(HttpClient http, Uri master)
    {
        var playlistUrl = new Uri(master, Uris(await http.GetStringAsync(master)).First());
        var segments = new List<byte[]>();
        byte[] init = [];
        foreach (var line in (await http.GetStringAsync(playlistUrl)).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            if (line.StartsWith("#EXT-X-MAP:", StringComparison.Ordinal))
            {
                init = await http.GetByteArrayAsync(new Uri(playlistUrl, Uris(line).Single()));
            }
            else if (line[0] != '#')
            {
                segments.Add([.. init, .. await http.GetByteArrayAsync(new Uri(playlistUrl, line))]);
            }
        }

        return segments;
    }

    /// <summary>Every URI of a playlist: URI lines and <c>URI="…"</c> attributes, in order.</summary>
    public static IEnumerable<string> Uris(string playlist)
    {
        foreach (var line in playlist.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            if (line[0] != '#')
            {
                yield return line;
            }
            else if (line.IndexOf("URI=\"", StringComparison.Ordinal) is >= 0 and var at)
            {
                var start = at + 5;
                yield return line[start..line.IndexOf('"', start)];
            }
        }
    }

    private static string Key(Uri url)
    {
        var query = System.Web.HttpUtility.ParseQueryString(url.Query);
        return $"{url.AbsolutePath.Split('/')[^1]}|{query["TrackNumber"]}|{query["FragmentNumber"]}";
    }

    internal sealed record Played(Dictionary<string, string> Media, long Total);
}
