using System.IO.Compression;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Manifests;
using KvsGateway.Kvs.Validation;
using KvsGateway.Metering;
using KvsGateway.Origins;
using KvsGateway.Sessions;
using Microsoft.Extensions.Options;

namespace KvsGateway.Manifests;

/// <summary>GetDASHManifest through the gateway: fetched from the origin on every request, rewritten as it streams.</summary>
public sealed class ManifestProxy
{
    private readonly OriginHttp _http;
    private readonly IOptionsMonitor<OriginOptions> _options;
    private readonly FragmentNumberIndex _fragmentNumbers;
    private readonly bool _viewerRecords;

    public ManifestProxy(OriginHttp http, IOptionsMonitor<OriginOptions> options, FragmentNumberIndex fragmentNumbers, IOptions<MeteringOptions> metering)
    {
        ArgumentNullException.ThrowIfNull(metering);
        _http = http;
        _options = options;
        _fragmentNumbers = fragmentNumbers;
        _viewerRecords = metering.Value.ViewerRecords;
    }

    /// <summary>The session's manifest, fetched from the origin and rewritten for the viewer's token onto <paramref name="viewer"/>.</summary>
    public async Task ServeAsync(ResolvedSession resolved, HttpResponse viewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolved);
        ArgumentNullException.ThrowIfNull(viewer);
        var session = resolved.Session;
        var options = _options.CurrentValue;
        var originUrl = new Uri(session.OriginSessionUrl);
        using var request = new HttpRequestMessage(HttpMethod.Get, originUrl);
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ActivityTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new KvsException(KvsErrorTypes.ServiceUnavailable, 503, "The origin did not answer in time.");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await KvsClient.ReadErrorAsync(response, timeout.Token).ConfigureAwait(false);
            }

            if (response.Content.Headers.ContentLength > options.MaxManifestBytes)
            {
                throw new KvsException(KvsErrorTypes.InternalFailure, 502, "The origin manifest is larger than the gateway accepts.");
            }

            var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            if (response.Content.Headers.ContentEncoding.Contains("gzip"))
            {
                body = new GZipStream(body, CompressionMode.Decompress);
            }

            await using (body.ConfigureAwait(false))
            {
                viewer.ContentType = MpdNames.ContentType;
                viewer.Headers.CacheControl = session.PlaybackMode == DashPlaybackMode.OnDemand ? "private, max-age=60" : "no-cache";
                var limited = new ReadLimitStream(body, options.MaxManifestBytes);
                await ManifestRewriter.RewriteAsync(
                    limited,
                    viewer.Body,
                    new ManifestRewriteOptions(originUrl, resolved.Token, session.DisplayFragmentTimestamp, session.DisplayFragmentNumber,
                        _viewerRecords ? (track, sequence, fragment) => _fragmentNumbers.Add(session.SessionId, session.ExpiresAt, track, sequence, fragment) : null),
                    timeout.Token).ConfigureAwait(false);
            }
        }
    }
}
