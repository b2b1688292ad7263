using System.Globalization;
using System.Text;
using System.Xml;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Manifests;
using KvsGateway.Kvs.Playback;

namespace KvsGateway.Manifests;

/// <summary>
/// Rewrites an origin MPD node by node as it streams through: segment URL templates become
/// relative to the gateway's <c>/dash/v1/</c> with the gateway's token in place of the origin's (every
/// other query parameter untouched), <c>BaseURL</c>s are folded into the templates and dropped, and
/// <c>kvs:ts</c> / <c>kvs:fn</c> are kept only when the client asked for them. Everything else is copied.
/// </summary>
public static class ManifestRewriter
{
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    public static async Task RewriteAsync(Stream origin, Stream output, ManifestRewriteOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var readerSettings = new XmlReaderSettings { Async = true, DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreProcessingInstructions = true };
        var writerSettings = new XmlWriterSettings { Async = true, Encoding = new UTF8Encoding(false), Indent = false };
        var keepKvsNamespace = options.KeepFragmentTimestamp || options.KeepFragmentNumber;
        var bases = new Stack<Uri>();
        bases.Push(options.OriginManifestUrl);
        var numbering = new SegmentNumbering();

        try
        {
            using var reader = XmlReader.Create(origin, readerSettings);
            var writer = XmlWriter.Create(output, writerSettings);
            await using (writer.ConfigureAwait(false))
            {
                await writer.WriteStartDocumentAsync().ConfigureAwait(false);
                var more = await reader.ReadAsync().ConfigureAwait(false);
                while (more)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    switch (reader.NodeType)
                    {
                        case XmlNodeType.Element when reader.LocalName == "BaseURL" && reader.NamespaceURI == MpdNames.DashNamespace:
                            var text = await reader.ReadElementContentAsStringAsync().ConfigureAwait(false);
                            var parent = bases.Pop();
                            bases.Push(new Uri(parent, text.Trim()));
                            more = !reader.EOF;
                            continue;
                        case XmlNodeType.Element:
                            if (options.FragmentNumberSeen is { } seen && reader.NamespaceURI == MpdNames.DashNamespace)
                            {
                                numbering.Observe(reader, seen);
                            }

                            await CopyElementAsync(reader, writer, options, keepKvsNamespace, bases.Peek()).ConfigureAwait(false);
                            if (reader.IsEmptyElement)
                            {
                                await writer.WriteEndElementAsync().ConfigureAwait(false);
                            }
                            else
                            {
                                bases.Push(bases.Peek());
                            }

                            break;
                        case XmlNodeType.EndElement:
                            bases.Pop();
                            await writer.WriteFullEndElementAsync().ConfigureAwait(false);
                            break;
                        case XmlNodeType.Text:
                            await writer.WriteStringAsync(reader.Value).ConfigureAwait(false);
                            break;
                        case XmlNodeType.CDATA:
                            await writer.WriteCDataAsync(reader.Value).ConfigureAwait(false);
                            break;
                        case XmlNodeType.Whitespace:
                        case XmlNodeType.SignificantWhitespace:
                            await writer.WriteWhitespaceAsync(reader.Value).ConfigureAwait(false);
                            break;
                        case XmlNodeType.Comment:
                            await writer.WriteCommentAsync(reader.Value).ConfigureAwait(false);
                            break;
                    }

                    more = await reader.ReadAsync().ConfigureAwait(false);
                }

                await writer.WriteEndDocumentAsync().ConfigureAwait(false);
                await writer.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (XmlException)
        {
            throw new KvsException(KvsErrorTypes.InternalFailure, 502, "The origin sent a manifest that is not well-formed XML.");
        }
    }

    /// <summary>
    /// Rewrites a segment URL template: resolved against the origin, reduced to the file name under
    /// <c>/dash/v1/</c>, with the <c>SessionToken</c> value replaced and every other parameter kept as sent.
    /// </summary>
    public static string RewriteUrl(string value, Uri baseUri, Uri originManifestUrl, string gatewayToken)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentNullException.ThrowIfNull(originManifestUrl);
        var absolute = new Uri(baseUri, value);
        if (!string.Equals(absolute.GetLeftPart(UriPartial.Authority), originManifestUrl.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            throw new KvsException(KvsErrorTypes.InternalFailure, 502, "The origin manifest refers to media on another host.");
        }

        var path = absolute.AbsolutePath;
        var name = path[(path.LastIndexOf('/') + 1)..];
        var query = absolute.Query.TrimStart('?');
        return query.Length == 0 ? name : name + "?" + SessionTokenParameter.Replace(query, gatewayToken);
    }

    private static async Task CopyElementAsync(XmlReader reader, XmlWriter writer, ManifestRewriteOptions options, bool keepKvsNamespace, Uri currentBase)
    {
        var isDash = reader.NamespaceURI == MpdNames.DashNamespace;
        var localName = reader.LocalName;
        await writer.WriteStartElementAsync(reader.Prefix, localName, reader.NamespaceURI).ConfigureAwait(false);
        if (!reader.MoveToFirstAttribute())
        {
            return;
        }

        do
        {
            var value = reader.Value;
            if (reader.Prefix == "xmlns" || (reader.Prefix.Length == 0 && reader.LocalName == "xmlns"))
            {
                if (value == MpdNames.KvsNamespace && !keepKvsNamespace)
                {
                    continue;
                }

                await writer.WriteAttributeStringAsync(reader.Prefix.Length == 0 ? null : "xmlns", reader.LocalName, XmlnsNamespace, value).ConfigureAwait(false);
                continue;
            }

            if (reader.NamespaceURI == MpdNames.KvsNamespace)
            {
                var keep = reader.LocalName switch
                {
                    MpdNames.FragmentTimestamp => options.KeepFragmentTimestamp,
                    MpdNames.FragmentNumber => options.KeepFragmentNumber,
                    _ => keepKvsNamespace,
                };
                if (!keep)
                {
                    continue;
                }
            }
            else if (isDash && reader.NamespaceURI.Length == 0 && IsUrlAttribute(localName, reader.LocalName))
            {
                value = RewriteUrl(value, currentBase, options.OriginManifestUrl, options.GatewayToken);
            }

            await writer.WriteAttributeStringAsync(reader.Prefix, reader.LocalName, reader.NamespaceURI, value).ConfigureAwait(false);
        }
        while (reader.MoveToNextAttribute());

        reader.MoveToElement();
    }

    private static bool IsUrlAttribute(string element, string attribute) => (element, attribute) switch
    {
        ("SegmentTemplate", "initialization" or "media" or "index") => true,
        ("Initialization" or "RepresentationIndex", "sourceURL") => true,
        ("SegmentURL", "media" or "index") => true,
        _ => false,
    };

    /// <summary>Follows SegmentTemplate numbering through its SegmentTimeline to pair sequence numbers with <c>kvs:fn</c>.</summary>
    private sealed class SegmentNumbering
    {
        private int _track;
        private long _next;

        public void Observe(XmlReader reader, Action<int, long, string> seen)
        {
            if (reader.LocalName == "SegmentTemplate")
            {
                _next = long.TryParse(reader.GetAttribute("startNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out var start) ? start : 1;
                var media = reader.GetAttribute("media") ?? string.Empty;
                var query = media.IndexOf('?', StringComparison.Ordinal) is >= 0 and var q ? media[(q + 1)..] : string.Empty;
                _track = query.Split('&').Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == "TrackNumber") is [_, var value]
                    && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var track) ? track : 0;
            }
            else if (reader.LocalName == "S")
            {
                var repeats = long.TryParse(reader.GetAttribute("r"), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 0;
                var fragment = reader.GetAttribute(MpdNames.FragmentNumber, MpdNames.KvsNamespace);
                for (var i = 0; i <= repeats; i++)
                {
                    if (fragment is not null && _track > 0)
                    {
                        seen(_track, _next, fragment);
                    }

                    _next++;
                }
            }
        }
    }
}
