using System.Security.Cryptography;
using System.Text;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Quotas;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace KvsGateway.Origins;

/// <summary>
/// Keeps the gateway's own requests to the origin within <see cref="OriginLimitsOptions"/>: each
/// origin request first takes its cost from one-second windows in Redis (per origin session and per
/// stream, shared by every replica). When a window is spent the request waits for the next second,
/// up to <see cref="OriginLimitsOptions.MaxWait"/>, and then is answered as KVS would answer it,
/// <c>ClientLimitExceededException</c>. Only requests that reach the origin pay: cache hits and
/// shared manifests cost nothing here. A replica takes a share of a window at a time and spends it
/// in memory, so the forwarding path makes a Redis call per share, not per request.
/// </summary>
public sealed partial class OriginBudget
{
    private readonly SharedRateWindows _windows;
    private readonly IOptionsMonitor<OriginLimitsOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OriginBudget> _logger;
    private readonly string _origin;

    public OriginBudget(SharedRateWindows windows, KvsClient origin, IOptionsMonitor<OriginLimitsOptions> options, TimeProvider time, ILogger<OriginBudget> logger)
    {
        ArgumentNullException.ThrowIfNull(origin);
        _origin = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(OriginIdentity.Of(origin))))[..16];
        _windows = windows;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// A manifest of an origin session: one manifest of the session, <paramref name="fragmentResults"/>
    /// metadata points of the stream. Without <paramref name="wait"/> a spent window answers at once
    /// (the caller has an older manifest to serve instead).
    /// </summary>
    public Task TakeManifestAsync(string originSessionId, string stream, ManifestKind kind, int fragmentResults, bool wait, CancellationToken cancellationToken)
    {
        var limits = _options.CurrentValue;
        var maxWait = wait ? limits.MaxWait : TimeSpan.Zero;

        // An HLS master playlist has a session rate of its own and costs the stream no points.
        return kind switch
        {
            ManifestKind.HlsMaster => TakeAsync(maxWait, new Window(SessionKey(originSessionId, "master"), 1, limits.ManifestsPerSession, "GetHLSMasterPlaylist calls of an origin session"), null, default, cancellationToken),
            _ => TakeAsync(
                maxWait,
                kind == ManifestKind.HlsMedia
                    ? new Window(SessionKey(originSessionId, "playlist"), 1, limits.ManifestsPerSession, "GetHLSMediaPlaylist calls of an origin session")
                    : new Window(SessionKey(originSessionId, "manifest"), 1, limits.ManifestsPerSession, "GetDASHManifest calls of an origin session"),
                new Window(StreamKey(stream, "metadata"), fragmentResults, limits.MetadataPointsPerStream, "fragment metadata of this stream"),
                default,
                cancellationToken),
        };
    }

    /// <summary>
    /// An init or media fragment of an origin session. When the session's own window is spent,
    /// <paramref name="spent"/> (if any) is told at once, before the request waits: a pool can open
    /// another session for later viewers.
    /// </summary>
    public Task TakeFragmentAsync(string originSessionId, string stream, bool init, SpentNotice spent, CancellationToken cancellationToken)
    {
        var limits = _options.CurrentValue;
        return init
            ? TakeAsync(limits.MaxWait, new Window(SessionKey(originSessionId, "init"), 1, limits.InitFragmentsPerSession, "GetMP4InitFragment calls of an origin session"), null, spent.For(originSessionId), cancellationToken)
            : TakeAsync(
                limits.MaxWait,
                new Window(SessionKey(originSessionId, "media"), 1, limits.MediaFragmentsPerSession, "GetMP4MediaFragment calls of an origin session"),
                new Window(StreamKey(stream, "media"), 1, limits.MediaFragmentsPerStream, "fragment media of this stream"),
                spent.For(originSessionId),
                cancellationToken);
    }

    /// <summary>
    /// True when the origin refused a request for its rate (<c>ClientLimitExceededException</c>) although
    /// the budget let it through: the origin's seconds are not the budget's (its clock, the time on the
    /// way; a take at a second's end reaches the origin in the next second).
    /// </summary>
    public static bool IsRateRefusal(HttpResponseMessage answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return IsRateRefusal((int)answer.StatusCode, answer.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.FirstOrDefault() : null);
    }

    /// <summary>The same, from an answer's status and its <c>x-amzn-ErrorType</c>.</summary>
    public static bool IsRateRefusal(int statusCode, string? errorType) =>
        statusCode == 400 && errorType?.StartsWith(KvsErrorTypes.ClientLimitExceeded, StringComparison.Ordinal) == true;

    /// <summary>
    /// A fragment the origin refused for its rate (<see cref="IsRateRefusal(int, string?)"/>), taken again: after the
    /// budget's next second begins (the origin's window that refused it is over by then, as its
    /// Retry-After of a second says) and from that second's budget, so the repeat is counted where the
    /// origin counts it.
    /// </summary>
    public async Task RetakeRefusedFragmentAsync(string originSessionId, string stream, bool init, SpentNotice spent, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        try
        {
            await Task.Delay(DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + 1) - now, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new KvsException(KvsErrorTypes.ClientLimitExceeded, 400, "The origin refused the fragment for its rate.") { RetryAfterSeconds = 1 };
        }

        await TakeFragmentAsync(originSessionId, stream, init, spent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A session URL of a stream.</summary>
    public Task TakeSessionUrlAsync(string stream, CancellationToken cancellationToken) =>
        TakeAsync(_options.CurrentValue.MaxWait, new Window(StreamKey(stream, "session-urls"), 1, _options.CurrentValue.SessionUrlsPerStream, "GetDASHStreamingSessionURL calls for this stream"), null, default, cancellationToken);

    private async Task TakeAsync(TimeSpan maxWait, Window first, Window? second, SpentNotice spentNotice, CancellationToken cancellationToken)
    {
        try
        {
            await TakeCountedAsync(maxWait, first, second, spentNotice, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Without Redis (its connection lost, or no answer within the Redis client's timeout)
            // the origin's own limits still hold; viewers are not stopped for it.
            LogBudgetUnavailable(_logger, ex);
        }
    }

    private async Task TakeCountedAsync(TimeSpan maxWait, Window first, Window? second, SpentNotice spentNotice, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + maxWait;
        var transit = _options.CurrentValue.TransitAllowance;
        var retaken = false;
        while (true)
        {
            var now = _time.GetUtcNow();
            var current = now.ToUnixTimeSeconds();
            var spent = await TryTakeAsync(first, second, current).ConfigureAwait(false);
            if (spent is null)
            {
                // The origin counts the request in the second it arrives. A take whose grants came
                // after its second ended is taken again in the new one (once: a Redis that slow
                // twice in a row is in trouble, and the request goes on counted as it is).
                var taken = _time.GetUtcNow();
                if (!retaken && taken.ToUnixTimeSeconds() > current)
                {
                    retaken = true;
                    continue;
                }

                // One taken at the second's very end may arrive in either second: it counts in both.
                if (taken.ToUnixTimeSeconds() > current || DateTimeOffset.FromUnixTimeSeconds(current + 1) - taken > transit)
                {
                    return;
                }

                spent = await TryTakeAsync(first, second, current + 1).ConfigureAwait(false);
                if (spent is null)
                {
                    return;
                }
            }

            if (spent.Value.Key == first.Key)
            {
                spentNotice.Tell();
            }

            var next = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + 1);
            if (next > deadline)
            {
                throw new KvsException(KvsErrorTypes.ClientLimitExceeded, 400, $"Too many {spent.Value.What}: the limit is {spent.Value.Limit} per second.") { RetryAfterSeconds = 1 };
            }

            try
            {
                // From the clock as it is now: the refusal may have come after the second ended.
                var left = next - _time.GetUtcNow();
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(left, _time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                throw new KvsException(KvsErrorTypes.ClientLimitExceeded, 400, $"Too many {spent.Value.What}: the limit is {spent.Value.Limit} per second.") { RetryAfterSeconds = 1 };
            }
        }
    }

    /// <summary>Takes both windows or neither; the window that was spent, if one was.</summary>
    private async Task<Window?> TryTakeAsync(Window first, Window? other, long second)
    {
        if (!await _windows.TryTakeAsync(first.Key, first.Cost, first.Limit, second).ConfigureAwait(false))
        {
            return first;
        }

        if (other is { } then && !await _windows.TryTakeAsync(then.Key, then.Cost, then.Limit, second).ConfigureAwait(false))
        {
            // The windows live in different hash slots (session, stream): the first is given back locally.
            _windows.GiveBack(first.Key, first.Cost, second);
            return then;
        }

        return null;
    }

    // Session ids are the gateway's own hex ids; stream names were validated against KVS's pattern when the session was issued.
    private static string SessionKey(string originSessionId, string kind) => $"{RedisKeyPrefix.Value}{{os:{originSessionId}}}:rate:{kind}";

    // A stream's windows belong to the origin that holds it: gateways of other origins sharing the Redis count their own.
    private string StreamKey(string stream, string kind) => $"{RedisKeyPrefix.Value}{{stream:{_origin}:{stream}}}:origin-rate:{kind}";

    [LoggerMessage(1, LogLevel.Warning, "The origin budget could not be counted in Redis; the request goes to the origin uncounted")]
    private static partial void LogBudgetUnavailable(ILogger logger, Exception exception);

    private readonly record struct Window(string Key, int Cost, int Limit, string What);
}
