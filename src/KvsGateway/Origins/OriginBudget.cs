using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
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
    // Grants what is asked (ARGV[2], at least ARGV[1]) of the window's free part, or nothing when
    // not even ARGV[1] is free; the window key expires after two seconds.
    private const string GrantScript = """
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        local free = tonumber(ARGV[3]) - used
        if free < tonumber(ARGV[1]) then return 0 end
        local grant = math.min(tonumber(ARGV[2]), free)
        redis.call('INCRBY', KEYS[1], grant)
        redis.call('PEXPIRE', KEYS[1], 2000)
        return grant
        """;

    // A replica takes this share of a window's limit at a time and spends it locally, so a busy
    // window costs a Redis call per share, not per request; what is unspent at the second's end is
    // simply not used (the origin's limit is never passed, only approached).
    private const int SharesPerWindow = 8;

    private const int MaxLeases = 10_000;

    private readonly IConnectionMultiplexer _redis;
    private readonly IOptionsMonitor<OriginLimitsOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OriginBudget> _logger;
    private readonly string _origin;
    private readonly ConcurrentDictionary<string, Lease> _leases = new(StringComparer.Ordinal);

    public OriginBudget(IConnectionMultiplexer redis, KvsClient origin, IOptionsMonitor<OriginLimitsOptions> options, TimeProvider time, ILogger<OriginBudget> logger)
    {
        ArgumentNullException.ThrowIfNull(origin);
        _origin = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(OriginIdentity.Of(origin))))[..16];
        _redis = redis;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// A manifest of an origin session: one manifest of the session, <paramref name="fragmentResults"/>
    /// metadata points of the stream. Without <paramref name="wait"/> a spent window answers at once
    /// (the caller has an older manifest to serve instead).
    /// </summary>
    public Task TakeManifestAsync(string originSessionId, string stream, int fragmentResults, bool wait, CancellationToken cancellationToken)
    {
        var limits = _options.CurrentValue;
        return TakeAsync(
            wait ? limits.MaxWait : TimeSpan.Zero,
            new Window(SessionKey(originSessionId, "manifest"), 1, limits.ManifestsPerSession, "GetDASHManifest calls of an origin session"),
            new Window(StreamKey(stream, "metadata"), fragmentResults, limits.MetadataPointsPerStream, "fragment metadata of this stream"),
            default,
            cancellationToken);
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

    /// <summary>A session URL of a stream.</summary>
    public Task TakeSessionUrlAsync(string stream, CancellationToken cancellationToken) =>
        TakeAsync(_options.CurrentValue.MaxWait, new Window(StreamKey(stream, "session-urls"), 1, _options.CurrentValue.SessionUrlsPerStream, "GetDASHStreamingSessionURL calls for this stream"), null, default, cancellationToken);

    private async Task TakeAsync(TimeSpan maxWait, Window first, Window? second, SpentNotice spentNotice, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + maxWait;
        while (true)
        {
            var now = _time.GetUtcNow();
            var current = now.ToUnixTimeSeconds();
            Window? spent;
            try
            {
                spent = await TryTakeAsync(first, second, current, current.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            }
            catch (RedisException ex)
            {
                // Without Redis the origin's own limits still hold; viewers are not stopped for it.
                LogBudgetUnavailable(_logger, ex);
                return;
            }

            if (spent is null)
            {
                return;
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
                await Task.Delay(next - now, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new KvsException(KvsErrorTypes.ClientLimitExceeded, 400, $"Too many {spent.Value.What}: the limit is {spent.Value.Limit} per second.") { RetryAfterSeconds = 1 };
            }
        }
    }

    /// <summary>Takes both windows or neither; the window that was spent, if one was.</summary>
    private async Task<Window?> TryTakeAsync(Window first, Window? other, long second, string epoch)
    {
        if (!await TakeAsync(first, second, epoch).ConfigureAwait(false))
        {
            return first;
        }

        if (other is { } then && !await TakeAsync(then, second, epoch).ConfigureAwait(false))
        {
            // The windows live in different hash slots (session, stream): the first is given back locally.
            GiveBack(first, second);
            return then;
        }

        return null;
    }

    /// <summary>
    /// Takes the window's cost from this replica's lease on it, refilled with a new share from Redis
    /// when it runs out: one refill at a time per window (the requests that find it empty wait for
    /// that one), and none once Redis has said the second is spent.
    /// </summary>
    private async Task<bool> TakeAsync(Window window, long second, string epoch)
    {
        if (_leases.Count > MaxLeases)
        {
            foreach (var pair in _leases)
            {
                if (pair.Value.Second < second)
                {
                    _leases.TryRemove(pair);
                }
            }
        }

        var lease = _leases.GetOrAdd(window.Key, static _ => new Lease());
        while (true)
        {
            Task<long> refill;
            lock (lease)
            {
                if (lease.Second != second)
                {
                    lease.Second = second;
                    lease.Remaining = 0;
                    lease.Spent = false;
                    lease.Refill = null;
                }

                if (lease.Remaining >= window.Cost)
                {
                    lease.Remaining -= window.Cost;
                    return true;
                }

                if (lease.Spent)
                {
                    return false;
                }

                refill = lease.Refill ??= GrantAsync(window, epoch);
            }

            try
            {
                await refill.ConfigureAwait(false);
            }
            finally
            {
                // The first waiter back applies the grant; the others find it in Remaining.
                lock (lease)
                {
                    if (lease.Refill == refill)
                    {
                        lease.Refill = null;
                        if (refill.IsCompletedSuccessfully && lease.Second == second)
                        {
                            if (refill.Result < window.Cost)
                            {
                                lease.Spent = true;
                            }
                            else
                            {
                                lease.Remaining += refill.Result;
                            }
                        }
                    }
                }
            }
        }
    }

    private async Task<long> GrantAsync(Window window, string epoch)
    {
        var share = Math.Max(window.Cost, window.Limit / SharesPerWindow);
        return (long)await _redis.GetDatabase().ScriptEvaluateAsync(GrantScript, [(RedisKey)(window.Key + epoch)], [window.Cost, share, window.Limit]).ConfigureAwait(false);
    }

    private void GiveBack(Window window, long second)
    {
        if (_leases.TryGetValue(window.Key, out var lease))
        {
            lock (lease)
            {
                if (lease.Second == second)
                {
                    lease.Remaining += window.Cost;
                }
            }
        }
    }

    // Session ids are the gateway's own hex ids; stream names were validated against KVS's pattern when the session was issued.
    private static string SessionKey(string originSessionId, string kind) => $"{RedisKeyPrefix.Value}{{os:{originSessionId}}}:rate:{kind}:";

    // A stream's windows belong to the origin that holds it: gateways of other origins sharing the Redis count their own.
    private string StreamKey(string stream, string kind) => $"{RedisKeyPrefix.Value}{{stream:{_origin}:{stream}}}:origin-rate:{kind}:";

    [LoggerMessage(1, LogLevel.Warning, "The origin budget could not be counted in Redis; the request goes to the origin uncounted")]
    private static partial void LogBudgetUnavailable(ILogger logger, Exception exception);

    private readonly record struct Window(string Key, int Cost, int Limit, string What);

    private sealed class Lease
    {
        public long Second { get; set; }

        public long Remaining { get; set; }

        /// <summary>Redis said nothing of this second's window is free.</summary>
        public bool Spent { get; set; }

        /// <summary>The share being asked of Redis, if one is.</summary>
        public Task<long>? Refill { get; set; }
    }
}
