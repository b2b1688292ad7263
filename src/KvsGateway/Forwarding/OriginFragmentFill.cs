using System.Net;
using KvsGateway.Caching;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Metering;
using KvsGateway.Origins;
using Microsoft.Extensions.Options;

namespace KvsGateway.Forwarding;

/// <summary>
/// Fills a shared cache entry from the origin: one fetch, within the origin's rate budget, its bytes
/// handed to the entry's readers as they arrive. It runs on its own (a viewer that goes away does
/// not stop it: others may be reading), bounded by the origin's activity timeout. A failure is
/// kept as the one KVS error every reader gets, and the entry leaves the cache.
/// </summary>
public sealed partial class OriginFragmentFill
{
    // KVS fragments are at most 50 MB; an origin sending more than this is not a KVS origin.
    private const long MaxFragmentBytes = 64L * 1024 * 1024;

    private readonly OriginHttp _http;
    private readonly OriginBudget _budget;
    private readonly FragmentCache _cache;
    private readonly PlaybackMetrics _metrics;
    private readonly IOptionsMonitor<OriginOptions> _options;
    private readonly ILogger<OriginFragmentFill> _logger;

    public OriginFragmentFill(OriginHttp http, OriginBudget budget, FragmentCache cache, PlaybackMetrics metrics, IOptionsMonitor<OriginOptions> options, ILogger<OriginFragmentFill> logger)
    {
        _http = http;
        _budget = budget;
        _cache = cache;
        _metrics = metrics;
        _options = options;
        _logger = logger;
    }

    /// <summary>Fetches <paramref name="originUrl"/> into <paramref name="entry"/> and gives back the caller's lease on it; never throws (failures go to the entry).</summary>
    public async Task FillAsync(CachedFragment entry, Uri originUrl, string stream, string tenant, SpentNotice spent)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var timeout = _options.CurrentValue.ActivityTimeout;
        using var activity = new CancellationTokenSource(timeout);
        long total = 0;
        try
        {
            var init = entry.Key.Resource == FragmentResources.Init;
            await _budget.TakeFragmentAsync(entry.Key.OriginSessionId, stream, init, spent, activity.Token).ConfigureAwait(false);
            activity.CancelAfter(timeout);
            var answer = await SendAsync(originUrl, activity.Token).ConfigureAwait(false);
            if (OriginBudget.IsRateRefusal(answer))
            {
                answer.Dispose();
                LogOriginRefusedRate(_logger, entry.Key.OriginSessionId);
                await _budget.RetakeRefusedFragmentAsync(entry.Key.OriginSessionId, stream, init, spent, activity.Token).ConfigureAwait(false);
                activity.CancelAfter(timeout);
                answer = await SendAsync(originUrl, activity.Token).ConfigureAwait(false);
            }

            using var answered = answer;
            if (answer.StatusCode != HttpStatusCode.OK)
            {
                throw await KvsClient.ReadErrorAsync(answer, activity.Token).ConfigureAwait(false);
            }

            var content = answer.Content.Headers;
            var length = content.ContentLength;
            if (length > MaxFragmentBytes)
            {
                throw new KvsException(KvsErrorTypes.InternalFailure, 502, "The origin sent a fragment larger than KVS fragments can be.");
            }

            entry.SetHeaders(new CachedFragmentHeaders(content.ContentType?.ToString(), answer.Headers.ETag?.ToString(), content.LastModified?.ToString("R"), length));
            long charged = 0;
            if (length != 0)
            {
                var source = await answer.Content.ReadAsStreamAsync(activity.Token).ConfigureAwait(false);
                await using (source.ConfigureAwait(false))
                {
                    while (true)
                    {
                        activity.CancelAfter(timeout);
                        var read = await source.ReadAsync(entry.GetWriteBuffer(), activity.Token).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        total += read;
                        if (total > MaxFragmentBytes)
                        {
                            throw new KvsException(KvsErrorTypes.InternalFailure, 502, "The origin sent a fragment larger than KVS fragments can be.");
                        }

                        entry.Advance(read);

                        // The bound counts the chunks' memory as they are taken, not the body's length.
                        if (entry.ChunkBytes > charged)
                        {
                            _cache.Charge(entry, entry.ChunkBytes - charged);
                            charged = entry.ChunkBytes;
                        }
                    }
                }
            }

            if (length is { } declared && total != declared)
            {
                throw new IOException("The origin ended the fragment early.");
            }

            entry.Complete();
            if (total > _cache.MaxEntryBytes)
            {
                // Served once to everyone who was waiting for it; too large to keep.
                _cache.Remove(entry);
            }
        }
        catch (Exception ex)
        {
            var failure = ex switch
            {
                KvsException kvs => kvs,
                OperationCanceledException => new KvsException(KvsErrorTypes.ServiceUnavailable, 504, "The origin did not send the fragment in time."),
                _ => new KvsException(KvsErrorTypes.ServiceUnavailable, 502, "The fragment could not be fetched from the origin."),
            };
            if (ex is not KvsException)
            {
                LogOriginFailed(_logger, ex, entry.Key.OriginSessionId);
            }

            _cache.Remove(entry);
            entry.Fail(failure);
        }
        finally
        {
            _metrics.RecordOriginFragmentBytes(tenant, stream, total);
            entry.Release();
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri originUrl, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, originUrl) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        return await _http.Invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(2, LogLevel.Information, "The origin refused a shared fragment of origin session {OriginSessionId} for its rate; it is fetched again in the next second")]
    private static partial void LogOriginRefusedRate(ILogger logger, string originSessionId);

    [LoggerMessage(1, LogLevel.Warning, "The origin failed a shared fragment of origin session {OriginSessionId}")]
    private static partial void LogOriginFailed(ILogger logger, Exception exception, string originSessionId);
}
