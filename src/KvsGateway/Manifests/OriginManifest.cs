using System.Security.Cryptography;

namespace KvsGateway.Manifests;

/// <summary>
/// One fetch of an origin session's manifest or HLS playlist, shared by its viewers: the origin's
/// bytes, and for each combination of the viewers' display flags (<c>kvs:ts</c> or program
/// date-times, <c>kvs:fn</c>) a template rewritten once, when the first viewer with those flags asks.
/// </summary>
public sealed class OriginManifest
{
    // Stands for the viewer's token while a template is rewritten; random, so no origin manifest contains it.
    private static readonly string Marker = "KVSGWTOKEN" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    private readonly byte[] _body;
    private readonly Uri _url;
    private readonly bool _playlist;
    private readonly Lazy<Task<ManifestTemplate>>[] _templates = new Lazy<Task<ManifestTemplate>>[4];
    private Action<int, long, string>? _fragmentNumberSeen;

    public OriginManifest(byte[] body, Uri url, Action<int, long, string>? fragmentNumberSeen, bool playlist = false)
    {
        _body = body;
        _url = url;
        _playlist = playlist;
        _fragmentNumberSeen = fragmentNumberSeen;
        for (var i = 0; i < _templates.Length; i++)
        {
            var keepTimestamp = (i & 1) != 0;
            var keepNumber = (i & 2) != 0;
            _templates[i] = new Lazy<Task<ManifestTemplate>>(() => RewriteAsync(keepTimestamp, keepNumber));
        }
    }

    /// <summary>The template for viewers with these display flags.</summary>
    public Task<ManifestTemplate> TemplateAsync(bool keepFragmentTimestamp, bool keepFragmentNumber) =>
        _templates[(keepFragmentTimestamp ? 1 : 0) | (keepFragmentNumber ? 2 : 0)].Value;

    private async Task<ManifestTemplate> RewriteAsync(bool keepTimestamp, bool keepNumber)
    {
        if (_playlist)
        {
            return ManifestTemplate.Split(PlaylistRewriter.Rewrite(_body, _url, Marker, keepTimestamp), Marker);
        }

        // The segment numbers are learned from the first rewrite only; the others see the same manifest.
        var seen = Interlocked.Exchange(ref _fragmentNumberSeen, null);
        using var output = new MemoryStream(_body.Length + 1024);
        await ManifestRewriter.RewriteAsync(new MemoryStream(_body, writable: false), output, new ManifestRewriteOptions(_url, Marker, keepTimestamp, keepNumber, seen), CancellationToken.None).ConfigureAwait(false);
        return ManifestTemplate.Split(output.GetBuffer().AsSpan(0, (int)output.Length), Marker);
    }
}
