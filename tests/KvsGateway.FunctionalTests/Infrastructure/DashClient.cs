using System.Xml.Linq;

namespace KvsGateway.FunctionalTests.Infrastructure;

/// <summary>
/// A minimal DASH client for metering tests: fetches the manifest, then every init and media
/// segment it lists, counting the body bytes it actually read; it can abort one media segment part
/// way, as a viewer closing the player does.
/// </summary>
internal static class DashClient
{
    private static readonly XNamespace Dash = "urn:mpeg:dash:schema:mpd:2011";

    /// <summary>The segment URLs (init first per track) of a manifest served at <paramref name="manifestUrl"/>.</summary>
    public static IReadOnlyList<Uri> SegmentUrls(Uri manifestUrl, string manifest)
    {
        var urls = new List<Uri>();
        foreach (var template in XDocument.Parse(manifest).Descendants(Dash + "SegmentTemplate"))
        {
            urls.Add(new Uri(manifestUrl, (string)template.Attribute("initialization")!));
            var number = (long?)template.Attribute("startNumber") ?? 1;
            var count = template.Descendants(Dash + "S").Sum(s => 1 + ((long?)s.Attribute("r") ?? 0));
            for (var i = 0; i < count; i++)
            {
                urls.Add(new Uri(manifestUrl, ((string)template.Attribute("media")!).Replace("$Number$", (number + i).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)));
            }
        }

        return urls;
    }

    /// <summary>Plays a session through; returns the body bytes read. With <paramref name="abortAfter"/>, the first media segment is dropped after that many bytes.</summary>
    public static async Task<long> PlayAsync(Func<Uri, Uri> onReplica, Uri manifestUrl, int? abortAfter = null)
    {
        using var http = new HttpClient();
        long received = 0;
        var manifest = await http.GetStringAsync(onReplica(manifestUrl));
        received += System.Text.Encoding.UTF8.GetByteCount(manifest);
        var aborted = false;
        foreach (var url in SegmentUrls(manifestUrl, manifest))
        {
            using var response = await http.GetAsync(onReplica(url), HttpCompletionOption.ResponseHeadersRead);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} for {url.AbsolutePath}");
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[8192];
            var limit = abortAfter is { } after && !aborted && url.AbsolutePath.EndsWith("getMP4MediaFragment.mp4", StringComparison.Ordinal) ? after : long.MaxValue;
            long read = 0;
            int n;
            while (read < limit && (n = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - read)))) > 0)
            {
                read += n;
            }

            received += read;
            if (limit != long.MaxValue)
            {
                // Leaving the body unread and disposing the response ends the connection mid-body.
                aborted = true;
            }
        }

        return received;
    }
}
