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
            if (abortAfter is { } after && !aborted && url.AbsolutePath.EndsWith("getMP4MediaFragment.mp4", StringComparison.Ordinal))
            {
                received += await AbortAfterAsync(onReplica(url), after);
                aborted = true;
                continue;
            }

            using var response = await http.GetAsync(onReplica(url), HttpCompletionOption.ResponseHeadersRead);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} for {url.AbsolutePath}");
            received += (await response.Content.ReadAsByteArrayAsync()).LongLength;
        }

        return received;
    }

    /// <summary>
    /// A viewer that hangs up mid-body: reads the headers and <paramref name="after"/> body bytes,
    /// stops reading, lets the transfer stall, then resets the connection. What its machine
    /// received is what it read plus what sits unread in its socket buffer (all acknowledged).
    /// </summary>
    public static async Task<long> AbortAfterAsync(Uri url, int after)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp)
        {
            ReceiveBufferSize = 8 * 1024,
        };
        await socket.ConnectAsync(url.Host, url.Port);
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes($"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\n\r\n"));
        var buffer = new byte[1024];
        var head = new List<byte>();
        long body = 0;
        while (body < after)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(0, head.Count > 0 && HeaderEnd(head) > 0 ? (int)Math.Min(buffer.Length, after - body) : buffer.Length));
            Assert.True(n > 0, "the gateway closed before the body");
            if (HeaderEnd(head) < 0)
            {
                head.AddRange(buffer.AsSpan(0, n).ToArray());
                var end = HeaderEnd(head);
                if (end >= 0)
                {
                    Assert.StartsWith("HTTP/1.1 200", System.Text.Encoding.ASCII.GetString(head.ToArray(), 0, 12), StringComparison.Ordinal);
                    body = head.Count - end;
                }
            }
            else
            {
                body += n;
            }
        }

        // Stalled: once the receive window is full nothing more arrives, and every byte in the buffer
        // has been acknowledged. Waits until the buffer has held still for 200 ms (at most 10 s).
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var still = System.Diagnostics.Stopwatch.StartNew();
        var available = socket.Available;
        while (still.Elapsed < TimeSpan.FromMilliseconds(200) && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await WallClock.PassesAsync(DateTimeOffset.UtcNow.AddMilliseconds(20));
            if (socket.Available != available)
            {
                available = socket.Available;
                still.Restart();
            }
        }

        body += socket.Available;
        socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        socket.Close();
        return body;
    }

    private static int HeaderEnd(List<byte> head)
    {
        for (var i = 3; i < head.Count; i++)
        {
            if (head[i - 3] == '\r' && head[i - 2] == '\n' && head[i - 1] == '\r' && head[i] == '\n')
            {
                return i + 1;
            }
        }

        return -1;
    }
}
