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
/// shared manifests cost nothing here.
/// </summary>
public sealed partial class OriginBudget
{
    // Adds the cost unless that would pass the limit; the window key expires after two seconds.
    private const string TakeScript = """
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        if used + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return 0 end
        redis.call('INCRBY', KEYS[1], ARGV[1])
        redis.call('PEXPIRE', KEYS[1], 2000)
        return 1
        """;

    private const string ReturnScript = "if redis.call('DECRBY', KEYS[1], ARGV[1]) < 0 then redis.call('DEL', KEYS[1]) end return 1";

    private readonly IConnectionMultiplexer _redis;
    private readonly IOptionsMonitor<OriginLimitsOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OriginBudget> _logger;
    private readonly string _origin;

    public OriginBudget(IConnectionMultiplexer redis, KvsClient origin, IOptionsMonitor<OriginLimitsOptions> options, TimeProvider time, ILogger<OriginBudget> logger)
    {
        ArgumentNullException.ThrowIfNull(origin);
        _origin = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{origin.Options.ControlEndpoint}\n{origin.Options.Region}\n{origin.Options.Credentials.AccessKeyId}")))[..16];
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
            cancellationToken);
    }

    /// <summary>An init or media fragment of an origin session.</summary>
    public Task TakeFragmentAsync(string originSessionId, string stream, bool init, CancellationToken cancellationToken)
    {
        var limits = _options.CurrentValue;
        return init
            ? TakeAsync(limits.MaxWait, new Window(SessionKey(originSessionId, "init"), 1, limits.InitFragmentsPerSession, "GetMP4InitFragment calls of an origin session"), null, cancellationToken)
            : TakeAsync(
                limits.MaxWait,
                new Window(SessionKey(originSessionId, "media"), 1, limits.MediaFragmentsPerSession, "GetMP4MediaFragment calls of an origin session"),
                new Window(StreamKey(stream, "media"), 1, limits.MediaFragmentsPerStream, "fragment media of this stream"),
                cancellationToken);
    }

    /// <summary>A session URL of a stream.</summary>
    public Task TakeSessionUrlAsync(string stream, CancellationToken cancellationToken) =>
        TakeAsync(_options.CurrentValue.MaxWait, new Window(StreamKey(stream, "session-urls"), 1, _options.CurrentValue.SessionUrlsPerStream, "GetDASHStreamingSessionURL calls for this stream"), null, cancellationToken);

    private async Task TakeAsync(TimeSpan maxWait, Window first, Window? second, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + maxWait;
        while (true)
        {
            var now = _time.GetUtcNow();
            var epoch = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            Window? spent;
            try
            {
                spent = await TryTakeAsync(first, second, epoch).ConfigureAwait(false);
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
    private async Task<Window?> TryTakeAsync(Window first, Window? second, string epoch)
    {
        var database = _redis.GetDatabase();
        var firstKey = (RedisKey)(first.Key + epoch);
        if ((long)await database.ScriptEvaluateAsync(TakeScript, [firstKey], [first.Cost, first.Limit]).ConfigureAwait(false) == 0)
        {
            return first;
        }

        if (second is { } other)
        {
            // The windows live in different hash slots (session, stream): two scripts, the first given back if the second is spent.
            if ((long)await database.ScriptEvaluateAsync(TakeScript, [(RedisKey)(other.Key + epoch)], [other.Cost, other.Limit]).ConfigureAwait(false) == 0)
            {
                await database.ScriptEvaluateAsync(ReturnScript, [firstKey], [first.Cost]).ConfigureAwait(false);
                return other;
            }
        }

        return null;
    }

    // Session ids are the gateway's own hex ids; stream names were validated against KVS's pattern when the session was issued.
    private static string SessionKey(string originSessionId, string kind) => $"{RedisKeyPrefix.Value}{{os:{originSessionId}}}:rate:{kind}:";

    // A stream's windows belong to the origin that holds it: gateways of other origins sharing the Redis count their own.
    private string StreamKey(string stream, string kind) => $"{RedisKeyPrefix.Value}{{stream:{_origin}:{stream}}}:origin-rate:{kind}:";

    [LoggerMessage(1, LogLevel.Warning, "The origin budget could not be counted in Redis; the request goes to the origin uncounted")]
    private static partial void LogBudgetUnavailable(ILogger logger, Exception exception);

    private readonly record struct Window(string Key, int Cost, int Limit, string What);
}
