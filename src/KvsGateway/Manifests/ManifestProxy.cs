using System.Buffers;
using System.Text;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Sessions;

namespace KvsGateway.Manifests;

/// <summary>
/// GetDASHManifest, GetHLSMasterPlaylist and GetHLSMediaPlaylist through the gateway: the origin
/// session's shared manifest or playlist (<see cref="SharedManifests"/>), rewritten once per
/// combination of display flags, with the viewer's own token written into it.
/// </summary>
public sealed class ManifestProxy
{
    private static readonly SearchValues<char> TokenCharacters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.");

    private readonly SharedManifests _manifests;

    public ManifestProxy(SharedManifests manifests)
    {
        _manifests = manifests;
    }

    /// <summary>The session's DASH manifest, for the viewer's token, onto <paramref name="viewer"/>.</summary>
    public Task ServeAsync(ResolvedSession resolved, HttpResponse viewer, CancellationToken cancellationToken) =>
        ServeAsync(resolved, ManifestResource.DashManifest, viewer, cancellationToken);

    /// <summary>The session's <paramref name="resource"/>, for the viewer's token, onto <paramref name="viewer"/>.</summary>
    public async Task ServeAsync(ResolvedSession resolved, ManifestResource resource, HttpResponse viewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolved);
        ArgumentNullException.ThrowIfNull(viewer);
        var session = resolved.Session;
        var manifest = await _manifests.GetAsync(session, resource, cancellationToken).ConfigureAwait(false);
        ManifestTemplate template;
        try
        {
            template = await manifest.TemplateAsync(session.DisplayFragmentTimestamp, session.DisplayFragmentNumber).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KvsException shared)
        {
            throw shared.Copy();
        }

        // The gateway's tokens (JWE compact) need no escaping in a URL or XML; anything else is escaped for both.
        var token = Encoding.ASCII.GetBytes(resolved.Token.AsSpan().ContainsAnyExcept(TokenCharacters) ? Uri.EscapeDataString(resolved.Token) : resolved.Token);
        viewer.ContentType = resource.ContentType;
        viewer.Headers.CacheControl = session.PlaybackMode == PlaybackMode.OnDemand ? "private, max-age=60" : "no-cache";
        viewer.ContentLength = template.Length(token.Length);
        if (HttpMethods.IsHead(viewer.HttpContext.Request.Method))
        {
            return;
        }

        template.WriteTo(viewer.BodyWriter, token);
        await viewer.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
