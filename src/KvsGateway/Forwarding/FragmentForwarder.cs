using System.Globalization;
using System.Net;
using KvsGateway.Caching;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Metering;
using KvsGateway.OriginConnections;
using KvsGateway.Origins;
using KvsGateway.Sessions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace KvsGateway.Forwarding;

/// <summary>
/// Streams an init or media fragment from the origin to the viewer: the origin's bytes are read
/// straight into the response's own buffers and handed to the viewer's socket as they arrive (one
/// copy, the kernel's), never buffered whole. The origin request is built from an allow-list (the
/// URL from <see cref="OriginUrls"/>, conditional and range headers); the answer keeps an allow-list
/// of headers. An origin error before the first byte becomes the same KVS error under our request
/// id; an origin that goes idle for <see cref="OriginOptions.ActivityTimeout"/> is cut (504 before
/// the first byte, the connection ended after it); a viewer that goes away stops the origin read.
/// </summary>
/// <remarks>
/// This replaced YARP's forwarder on the fragment path (bench/README.md): YARP copies each read
/// once more into the server's buffers and does per-request work (transforms, header copies,
/// telemetry) a fragment does not need, which together left the gateway below a plain proxy.
/// </remarks>
public sealed partial class FragmentForwarder
{
    // What a player may ask of a fragment besides the URL: a part of it, or only if it changed.
    private static readonly string[] RequestHeaders =
        [HeaderNames.Range, HeaderNames.IfRange, HeaderNames.IfMatch, HeaderNames.IfNoneMatch, HeaderNames.IfModifiedSince, HeaderNames.IfUnmodifiedSince];

    // What a player needs of the answer; origin identity headers (request ids, Server, cookies,
    // CORS of the origin) never reach it.
    private static readonly string[] ResponseHeaders =
        [HeaderNames.ContentType, HeaderNames.ContentRange, HeaderNames.AcceptRanges, HeaderNames.ETag, HeaderNames.LastModified];

    // A read asks for this much of the response's buffers: a fragment moves in a few reads. 128 KB
    // took 6 % of the CPU per request off 64 KB at 100 KB and at 1 MB (a 100 KB fragment in one
    // read; same-moment A/B, bench/README.md); 256 KB saved no more and holds twice the memory
    // per response in flight.
    private const int ReadSize = 128 * 1024;

    // Over pooled connections, what the origin has ready is read before it is flushed to the viewer,
    // up to a share of FlushBudget per response in flight between these bounds (a flush also happens
    // whenever the origin has nothing more ready). Each flush is a send and a wake-up of the viewer's
    // side: 512 KB instead of 128 KB took 5–30 % of the user time per 1 MB response off (bench/README.md,
    // seventh pass); the budget keeps the bytes held back at 500 viewers where 128 KB had them.
    internal const int MinFlushEvery = 128 * 1024;
    internal const int MaxFlushEvery = 512 * 1024;
    internal const int FlushBudget = 32 * 1024 * 1024;

    // An origin's error answer is read this far for its KVS error; the rest is not wanted.
    private const int MaxErrorBytes = 64 * 1024;

    private readonly OriginHttp _http;
    private readonly OriginConnectionPool _connections;
    private readonly FragmentCache _cache;
    private readonly OriginFragmentFill _fill;
    private readonly OriginBudget _budget;
    private readonly IOriginSessionSpentObserver _spent;
    private readonly PlaybackMetrics _metrics;
    private readonly IOptionsMonitor<OriginOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FragmentForwarder> _logger;
    private int _bodiesInFlight;

    public FragmentForwarder(OriginHttp http, OriginConnectionPool connections, FragmentCache cache, OriginFragmentFill fill, OriginBudget budget, IOriginSessionSpentObserver spent, PlaybackMetrics metrics, IOptionsMonitor<OriginOptions> options, TimeProvider time, ILogger<FragmentForwarder> logger)
    {
        _spent = spent;
        _http = http;
        _connections = connections;
        _cache = cache;
        _fill = fill;
        _budget = budget;
        _metrics = metrics;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// The request's fragment of its resolved session: from the shared cache (filled by one origin
    /// fetch for all its viewers) when the cache is on and the request names a fragment; straight
    /// from the origin otherwise.
    /// </summary>
    public async Task ForwardAsync(HttpContext context, string fileName)
    {
        ArgumentNullException.ThrowIfNull(context);
        var resolved = SessionResolutionFilter.Of(context);
        var session = resolved.Session;
        OriginUrls.CheckFragmentQuery(context.Request.Query);
        if (_cache.Enabled && SharedKey(session, fileName, context.Request) is { } key)
        {
            var (entry, created) = _cache.GetOrAdd(key, session.OriginExpiresAt ?? session.ExpiresAt);
            _metrics.RecordCacheRequest(resolved.Tenant.Name, session.StreamName, entry is null ? "bypass" : created ? "miss" : "hit");
            if (entry is null)
            {
                // No room: what viewers are reading takes the whole bound. This one goes on its own.
                await ForwardUnsharedAsync(context, session, fileName).ConfigureAwait(false);
                return;
            }

            try
            {
                // The origin URL is made for a miss alone (a hit needs none); the pool has checked the
                // origin session's URL is absolute, so making it cannot fail once the query passed.
                if (created && OriginUrls.ForFragment(session.OriginSessionUrl, fileName, context.Request.Query) is var originUrl && entry.TryAcquire())
                {
                    // Runs on its own, under its own lease: viewers that come and go meanwhile all read this one fetch.
                    _ = _fill.FillAsync(entry, originUrl, session.StreamName, resolved.Tenant.Name, new SpentNotice(_spent, session.OriginPool));
                }

                context.Response.Headers.CacheControl = CacheControl(session);
                await CachedFragmentResponse.WriteAsync(context, entry).ConfigureAwait(false);
            }
            finally
            {
                entry.Release();
            }

            return;
        }

        await ForwardUnsharedAsync(context, session, fileName).ConfigureAwait(false);
    }

    /// <summary>The cache key of a request, or null when it goes straight to the origin.</summary>
    private static FragmentKey? SharedKey(PlaybackSession session, string fileName, HttpRequest request)
    {
        // Conditions the cache does not evaluate go to the origin, which does.
        var headers = request.Headers;
        if (headers.IfMatch.Count > 0 || headers.IfModifiedSince.Count > 0 || headers.IfUnmodifiedSince.Count > 0)
        {
            return null;
        }

        // OriginUrls has checked every number is decimal. A DASH init fragment is named by its track
        // alone, an HLS one also by its SequenceNumber (the session's format version); a DASH fragment
        // by track and sequence number, an HLS one by track and KVS fragment number, a TS chunk by
        // fragment number.
        var query = request.Query;
        var track = 0;
        if (fileName != FragmentResources.Ts && !int.TryParse(query["TrackNumber"], NumberStyles.None, CultureInfo.InvariantCulture, out track))
        {
            return null;
        }

        var hls = session.Protocol == PlaybackProtocol.Hls;
        if (fileName == FragmentResources.Init)
        {
            var version = query["SequenceNumber"];
            return version.Count == 0 ? new FragmentKey(session.OriginSessionId ?? session.SessionId, fileName, track, string.Empty)
                : hls && version.Count == 1 ? new FragmentKey(session.OriginSessionId ?? session.SessionId, fileName, track, version[0]!)
                : null;
        }

        var number = query[hls ? "FragmentNumber" : "SequenceNumber"];
        return number.Count == 1 && !string.IsNullOrEmpty(number[0])
            ? new FragmentKey(session.OriginSessionId ?? session.SessionId, fileName, track, number[0]!)
            : null;
    }

    /// <summary>Straight from the origin for this request alone, within the origin session's budget.</summary>
    private async Task ForwardUnsharedAsync(HttpContext context, PlaybackSession session, string fileName)
    {
        var originUrl = OriginUrls.ForFragment(session.OriginSessionUrl, fileName, context.Request.Query);
        var take = new FragmentTake(session.OriginSessionId ?? session.SessionId, session.StreamName, fileName == FragmentResources.Init, new SpentNotice(_spent, session.OriginPool));
        await _budget.TakeFragmentAsync(take.OriginSessionId, take.Stream, take.Init, take.Spent, context.RequestAborted).ConfigureAwait(false);
        await ForwardDirectAsync(context, originUrl, session, take).ConfigureAwait(false);
    }

    private string CacheControl(PlaybackSession session) => $"private, max-age={Math.Max(0, (long)(session.ExpiresAt - _time.GetUtcNow()).TotalSeconds)}";

    private async Task ForwardDirectAsync(HttpContext context, Uri originUrl, PlaybackSession session, FragmentTake take)
    {
        if (originUrl.Scheme == Uri.UriSchemeHttp && _options.CurrentValue.PooledFragmentConnections)
        {
            await ForwardPooledAsync(context, originUrl, session, take).ConfigureAwait(false);
            return;
        }

        var head = HttpMethods.IsHead(context.Request.Method);
        var timeout = _options.CurrentValue.ActivityTimeout;
        var viewer = context.RequestAborted;
        using var activity = CancellationTokenSource.CreateLinkedTokenSource(viewer);
        activity.CancelAfter(timeout);
        HttpResponseMessage answer;
        try
        {
            answer = await SendAsync(context.Request.Headers, originUrl, head, activity.Token).ConfigureAwait(false);
            if (OriginBudget.IsRateRefusal(answer))
            {
                answer.Dispose();
                LogOriginRefusedRate(_logger, session.SessionId);
                await _budget.RetakeRefusedFragmentAsync(take.OriginSessionId, take.Stream, take.Init, take.Spent, activity.Token).ConfigureAwait(false);
                activity.CancelAfter(timeout);
                answer = await SendAsync(context.Request.Headers, originUrl, head, activity.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (viewer.IsCancellationRequested)
        {
            LogViewerLeft(_logger, session.SessionId);
            return;
        }
        catch (OperationCanceledException ex)
        {
            throw OriginFailure(ex, session.SessionId);
        }
        catch (HttpRequestException ex)
        {
            throw OriginFailure(ex, session.SessionId);
        }

        using (answer)
        {
            // A KVS error (or any origin failure) is re-issued as a KVS error under our request id;
            // plain HTTP answers such as 416 for an unsatisfiable range pass through as they are.
            var status = (int)answer.StatusCode;
            if ((status >= 400 && answer.Headers.Contains("x-amzn-ErrorType")) || status >= 500)
            {
                throw await KvsClient.ReadErrorAsync(answer, activity.Token).ConfigureAwait(false);
            }

            var response = context.Response;
            response.StatusCode = status;
            CopyHeaders(answer, response);
            response.Headers.CacheControl = CacheControl(session);
            if (head || status is 204 or 304)
            {
                return;
            }

            await CopyBodyAsync(answer.Content, response, activity, timeout, session.SessionId, viewer).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The same exchange over the gateway's own pooled connections to a plain-HTTP origin: one send
    /// for the request, the answer's head parsed from the connection's buffer, the body received
    /// straight into the response's buffers and flushed when the origin has nothing more ready.
    /// </summary>
    private async Task ForwardPooledAsync(HttpContext context, Uri originUrl, PlaybackSession session, FragmentTake take)
    {
        var head = HttpMethods.IsHead(context.Request.Method);
        var timeout = _options.CurrentValue.ActivityTimeout;
        var viewer = context.RequestAborted;
        using var activity = CancellationTokenSource.CreateLinkedTokenSource(viewer);
        activity.CancelAfter(timeout);
        var endpoint = OriginEndpoint.Of(originUrl);
        var request = OriginRequestHead.Write(head ? "HEAD" : "GET", originUrl, context.Request.Headers, RequestHeaders);
        OriginExchange exchange;
        try
        {
            exchange = await _connections.SendAsync(endpoint, request, activity.Token).ConfigureAwait(false);
            if (OriginBudget.IsRateRefusal(exchange.Head.StatusCode, exchange.Head["x-amzn-ErrorType"]))
            {
                var refused = exchange.Connection;
                try
                {
                    await refused.ReadSmallBodyAsync(exchange.Head, MaxErrorBytes, activity.Token).ConfigureAwait(false);
                }
                finally
                {
                    _connections.Return(refused);
                }

                LogOriginRefusedRate(_logger, session.SessionId);
                await _budget.RetakeRefusedFragmentAsync(take.OriginSessionId, take.Stream, take.Init, take.Spent, activity.Token).ConfigureAwait(false);
                activity.CancelAfter(timeout);
                exchange = await _connections.SendAsync(endpoint, request, activity.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (viewer.IsCancellationRequested)
        {
            LogViewerLeft(_logger, session.SessionId);
            return;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Net.Sockets.SocketException)
        {
            throw OriginFailure(ex, session.SessionId);
        }

        var (connection, answer) = exchange;
        try
        {
            // As on the HttpClient path: a KVS error (or any origin failure) is re-issued under our
            // request id; plain HTTP answers such as 416 pass through as they are.
            var status = answer.StatusCode;
            if ((status >= 400 && answer["x-amzn-ErrorType"] is not null) || status >= 500)
            {
                throw await OriginErrorAsync(connection, answer, session.SessionId, activity.Token).ConfigureAwait(false);
            }

            var response = context.Response;
            response.StatusCode = status;
            foreach (var name in ResponseHeaders)
            {
                if (answer[name] is { } value)
                {
                    response.Headers[name] = value;
                }
            }

            response.ContentLength = answer.Chunked ? null : answer.ContentLength;
            response.Headers.CacheControl = CacheControl(session);
            if (head || OriginResponseHead.HasNoBody(status))
            {
                connection.CompleteWithoutBody(answer);
                return;
            }

            var inFlight = Interlocked.Increment(ref _bodiesInFlight);
            try
            {
                await response.StartAsync(viewer).ConfigureAwait(false);
                if (!await connection.CopyBodyAsync(answer, response.BodyWriter, ReadSize, FlushEveryFor(inFlight), activity, timeout, viewer).ConfigureAwait(false))
                {
                    LogViewerLeft(_logger, session.SessionId);
                }
            }
            catch (OperationCanceledException) when (viewer.IsCancellationRequested)
            {
                LogViewerLeft(_logger, session.SessionId);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Net.Sockets.SocketException)
            {
                // Part of the body may be out: ending the connection is the only honest signal left.
                LogOriginFailed(_logger, ex, session.SessionId);
                context.Abort();
            }
            finally
            {
                Interlocked.Decrement(ref _bodiesInFlight);
            }
        }
        finally
        {
            // Kept for the next request only when its answer was read to the end.
            _connections.Return(connection);
        }
    }

    /// <summary>How much of the origin's answer a response may hold before flushing it, with <paramref name="inFlight"/> responses copying.</summary>
    internal static int FlushEveryFor(int inFlight) => Math.Clamp(FlushBudget / Math.Max(1, inFlight), MinFlushEvery, MaxFlushEvery);

    /// <summary>An origin that failed before the first byte: 504 when it ran out of time, 502 otherwise.</summary>
    private KvsException OriginFailure(Exception exception, string sessionId)
    {
        LogOriginFailed(_logger, exception, sessionId);
        return exception is OperationCanceledException
            ? new KvsException(KvsErrorTypes.ServiceUnavailable, 504, "The origin did not send the fragment in time.")
            : new KvsException(KvsErrorTypes.ServiceUnavailable, 502, "The fragment could not be fetched from the origin.");
    }

    /// <summary>The KVS error an origin's error answer stands for, from its status, headers and (the start of) its body.</summary>
    private async Task<KvsException> OriginErrorAsync(OriginConnection connection, OriginResponseHead answer, string sessionId, CancellationToken cancellationToken)
    {
        byte[] body;
        try
        {
            body = await connection.ReadSmallBodyAsync(answer, MaxErrorBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            // The status and headers still say what failed.
            LogOriginFailed(_logger, ex, sessionId);
            body = [];
        }

        using var message = new HttpResponseMessage((HttpStatusCode)answer.StatusCode) { Content = new ByteArrayContent(body) };
        foreach (var (name, value) in answer.Fields)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return await KvsClient.ReadErrorAsync(message, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(IHeaderDictionary incoming, Uri originUrl, bool head, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(head ? HttpMethod.Head : HttpMethod.Get, originUrl)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        foreach (var name in RequestHeaders)
        {
            if (incoming.TryGetValue(name, out var values))
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        return await _http.Invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static void CopyHeaders(HttpResponseMessage answer, HttpResponse response)
    {
        // As the origin sent them: parsing them only to write them out again is work for nothing.
        foreach (var name in ResponseHeaders)
        {
            if (answer.Headers.NonValidated.TryGetValues(name, out var values) || answer.Content.Headers.NonValidated.TryGetValues(name, out values))
            {
                response.Headers[name] = values.Count == 1 ? values.ToString() : new StringValues([.. values]);
            }
        }

        response.ContentLength = answer.Content.Headers.ContentLength;
    }

    private async Task CopyBodyAsync(HttpContent content, HttpResponse response, CancellationTokenSource activity, TimeSpan timeout, string sessionId, CancellationToken viewer)
    {
        var writer = response.BodyWriter;
        try
        {
            // Headers first, so that what follows goes straight into the connection's buffers.
            await response.StartAsync(viewer).ConfigureAwait(false);
            var source = await content.ReadAsStreamAsync(activity.Token).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                while (true)
                {
                    activity.CancelAfter(timeout);
                    var read = await source.ReadAsync(writer.GetMemory(ReadSize), activity.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    writer.Advance(read);
                    var flushed = await writer.FlushAsync(viewer).ConfigureAwait(false);
                    if (flushed.IsCompleted || flushed.IsCanceled)
                    {
                        LogViewerLeft(_logger, sessionId);
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (viewer.IsCancellationRequested)
        {
            LogViewerLeft(_logger, sessionId);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // Part of the body may be out: ending the connection is the only honest signal left.
            LogOriginFailed(_logger, ex, sessionId);
            response.HttpContext.Abort();
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "The origin failed a fragment of session {SessionId}")]
    private static partial void LogOriginFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(3, LogLevel.Information, "The origin refused a fragment of session {SessionId} for its rate; it is fetched again in the next second")]
    private static partial void LogOriginRefusedRate(ILogger logger, string sessionId);

    [LoggerMessage(2, LogLevel.Debug, "A viewer of session {SessionId} went away during a fragment")]
    private static partial void LogViewerLeft(ILogger logger, string sessionId);

    /// <summary>What a fragment request took from the origin budget, to take it again when the origin refuses it.</summary>
    private readonly record struct FragmentTake(string OriginSessionId, string Stream, bool Init, SpentNotice Spent);
}
