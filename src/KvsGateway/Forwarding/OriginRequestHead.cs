using System.Text;
using Microsoft.Extensions.Primitives;

namespace KvsGateway.Forwarding;

/// <summary>
/// The HTTP/1.1 head of a fragment request to a plain-HTTP origin: request line, Host, and the
/// allowed headers of the viewer's request whose values are plain visible ASCII (anything else, a
/// line break above all, is left out rather than sent).
/// </summary>
public static class OriginRequestHead
{
    public static byte[] Write(string method, Uri url, IHeaderDictionary incoming, IReadOnlyList<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(incoming);
        ArgumentNullException.ThrowIfNull(allowed);

        // The URL is the gateway's own (OriginUrls), escaped by Uri: checked anyway, as it goes on the wire as is.
        var target = url.PathAndQuery;
        var host = url.HostNameType == UriHostNameType.IPv6 ? $"[{url.IdnHost}]" : url.IdnHost;
        if (!url.IsDefaultPort)
        {
            host = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{host}:{url.Port}");
        }

        if (!IsVisibleAscii(target) || !IsVisibleAscii(host))
        {
            throw new ArgumentException("The origin URL cannot be written into a request line.", nameof(url));
        }

        var head = new StringBuilder(256);
        head.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\nHost: ").Append(host).Append("\r\n");
        foreach (var name in allowed)
        {
            if (incoming.TryGetValue(name, out var values) && values.Count > 0 && Joined(values) is { } value)
            {
                head.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }

        head.Append("\r\n");
        return Encoding.ASCII.GetBytes(head.ToString());
    }

    private static string? Joined(StringValues values)
    {
        var value = values.Count == 1 ? values[0]! : string.Join(", ", values.ToArray());
        foreach (var c in value)
        {
            if (c != ' ' && c != '\t' && (c < '!' || c > '~'))
            {
                return null;
            }
        }

        return value;
    }

    private static bool IsVisibleAscii(string text)
    {
        foreach (var c in text)
        {
            if (c < '!' || c > '~')
            {
                return false;
            }
        }

        return text.Length > 0;
    }
}
