using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text.Json;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Origins;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace KvsGateway.OriginSessions;

/// <summary>
/// Origin sessions shared by viewers whose origin requests are the same (<see cref="OriginSessionKey"/>),
/// across tenants and replicas. The pool's current entry for a key lives in Redis with a TTL equal to
/// its expiry; a viewer joins it if it outlives the viewer's own session, otherwise one replica (the
/// holder of a <c>SET NX</c> lock) opens the next one and every other request waits for it, so a
/// burst of viewers opens one origin session. Within a replica, concurrent requests for a key share
/// one flight and make one Redis round of it. When a request finds an origin session's own budget
/// spent (KVS allows a session 20 media fragments a second), the pool opens another for the same key
/// and makes it current: viewers arriving later join that one, while those already on the spent one
/// stay (their manifests' sequence numbers belong to it).
/// </summary>
public sealed partial class OriginSessionPool : IOriginSessionSpentObserver
{
    // Removes the creation lock only if it is still ours (it may have expired and been taken since).
    private const string ReleaseScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

    // Pool keys this replica remembers the current entry of (LIVE_REPLAY makes one per second).
    private const int MaxKnown = 10_000;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    private readonly KvsClient _origin;
    private readonly OriginBudget _budget;
    private readonly string _originIdentity;
    private readonly IConnectionMultiplexer _redis;
    private readonly IOptionsMonitor<OriginSessionOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OriginSessionPool> _logger;
    private readonly ConcurrentDictionary<string, Lazy<Task<PooledOriginSession>>> _flights = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Known> _known = new(StringComparer.Ordinal);

    // Origin sessions found spent whose replacement this replica has started (each is replaced once).
    private readonly ConcurrentDictionary<string, byte> _spent = new(StringComparer.Ordinal);
    private readonly Counter<long> _created;
    private readonly Counter<long> _joined;

    public OriginSessionPool(KvsClient origin, OriginBudget budget, IConnectionMultiplexer redis, IOptionsMonitor<OriginSessionOptions> options, TimeProvider time, IMeterFactory meters, ILogger<OriginSessionPool> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _origin = origin;
        _budget = budget;
        _originIdentity = OriginIdentity.Of(origin);
        _redis = redis;
        _options = options;
        _time = time;
        _logger = logger;
        var meter = meters.Create(Metering.PlaybackMetrics.MeterName);
        _created = meter.CreateCounter<long>("kvsgw.origin_sessions.created", "{session}", "Origin sessions this replica opened for the pool");
        _joined = meter.CreateCounter<long>("kvsgw.origin_sessions.joined", "{session}", "Viewer sessions that joined an origin session already in the pool");
    }

    /// <summary>
    /// An origin session for <paramref name="parameters"/> that lives at least until
    /// <paramref name="viewerExpiresAt"/>: the pool's current one, or a new one that becomes current.
    /// <paramref name="request"/> is the origin request built for this viewer (DASH always asking for
    /// <c>kvs:ts</c> and <c>kvs:fn</c>, HLS for program date-times); the pool sets its <c>Expires</c>.
    /// </summary>
    public async Task<PooledOriginSession> AcquireAsync(PlaybackSessionParameters parameters, OriginSessionRequest request, DateTimeOffset viewerExpiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(request);
        if (!_options.CurrentValue.Enabled)
        {
            // Unshared: the viewer's own origin session, with the viewer's own expiry, in no pool.
            return await CreateAsync(request, parameters.Stream.Name, parameters.ExpiresSeconds, pool: null).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        var key = OriginSessionKey.For(_originIdentity, parameters, now);
        var mode = parameters.PlaybackMode.ToWire();

        // The entry this replica saw last serves until it no longer outlives a viewer, read again
        // after RecheckInterval (another replica may have replaced a spent one): no Redis round trip
        // per session URL while the pool's current session fits.
        if (_known.TryGetValue(key.Hash, out var known) && known.Session.ExpiresAt >= viewerExpiresAt && now - known.CheckedAt < _options.CurrentValue.RecheckInterval)
        {
            _joined.Add(1, new KeyValuePair<string, object?>("mode", mode));
            return known.Session;
        }

        // A flight another request started may have produced a session that ends before this
        // viewer's; the next round then opens one that does not. Two rounds always suffice.
        for (var round = 0; ; round++)
        {
            var current = await ReadAsync(key.Hash).ConfigureAwait(false);
            if (current is not null && current.ExpiresAt >= viewerExpiresAt)
            {
                Remember(key.Hash, current);
                _joined.Add(1, new KeyValuePair<string, object?>("mode", mode));
                return current;
            }

            var flight = _flights.GetOrAdd(key.Hash, _ => new Lazy<Task<PooledOriginSession>>(() => CreateOrWaitAsync(key.Hash, request, viewerExpiresAt, parameters.Stream.Name, replacing: null)));
            PooledOriginSession session;
            try
            {
                session = await flight.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _flights.TryRemove(KeyValuePair.Create(key.Hash, flight));
            }

            if (session.ExpiresAt >= viewerExpiresAt || round > 0)
            {
                Remember(key.Hash, session);
                return session;
            }
        }
    }

    /// <summary>
    /// A request found <paramref name="originSessionId"/>'s own budget spent: unless it is no longer
    /// the pool's current entry, the next one is opened (in the background, once) for later viewers.
    /// </summary>
    public void OnSessionSpent(string pool, string originSessionId)
    {
        var options = _options.CurrentValue;
        if (!options.Enabled || !options.ReplaceSpentSessions || !OriginSessionKeys.IsPoolKey(pool) || _spent.ContainsKey(originSessionId))
        {
            return;
        }

        if (_spent.Count >= MaxKnown)
        {
            _spent.Clear();
        }

        if (_spent.TryAdd(originSessionId, 0))
        {
            _ = ReplaceAsync(pool, originSessionId);
        }
    }

    private async Task ReplaceAsync(string pool, string spentId)
    {
        try
        {
            var current = await ReadAsync(pool).ConfigureAwait(false);
            var request = current is null ? null : OriginSessionRequest.Of(current);
            if (request is null || current!.Id != spentId)
            {
                if (current is not null)
                {
                    Remember(pool, current);
                }

                return;
            }

            var flight = _flights.GetOrAdd(pool, _ => new Lazy<Task<PooledOriginSession>>(() => CreateOrWaitAsync(pool, request, _time.GetUtcNow(), current.Stream ?? string.Empty, replacing: spentId)));
            try
            {
                Remember(pool, await flight.Value.ConfigureAwait(false));
            }
            finally
            {
                _flights.TryRemove(KeyValuePair.Create(pool, flight));
            }
        }
        catch (Exception ex) when (ex is KvsException or RedisException or TimeoutException or HttpRequestException or OperationCanceledException or JsonException)
        {
            // The spent session keeps serving (within its budget); the next spent request tries again.
            _spent.TryRemove(spentId, out _);
            LogReplaceFailed(_logger, ex, spentId);
        }
    }

    private async Task<PooledOriginSession> CreateOrWaitAsync(string pool, OriginSessionRequest request, DateTimeOffset needed, string stream, string? replacing)
    {
        var options = _options.CurrentValue;
        var database = _redis.GetDatabase();
        var lockKey = OriginSessionKeys.CreationLock(pool);
        var owner = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var deadline = _time.GetUtcNow() + options.JoinTimeout;
        while (true)
        {
            var current = await ReadAsync(pool).ConfigureAwait(false);
            if (Serves(current, needed, replacing))
            {
                return current!;
            }

            if (await database.StringSetAsync(lockKey, owner, options.JoinTimeout, When.NotExists).ConfigureAwait(false))
            {
                try
                {
                    // Another replica may have finished between the read above and the lock.
                    current = await ReadAsync(pool).ConfigureAwait(false);
                    if (Serves(current, needed, replacing))
                    {
                        return current!;
                    }

                    var created = await CreateAsync(request, stream, options.ExpiresSeconds, pool).ConfigureAwait(false);
                    var ttl = created.ExpiresAt - _time.GetUtcNow();
                    if (ttl > TimeSpan.Zero)
                    {
                        await database.StringSetAsync(OriginSessionKeys.Current(pool), JsonSerializer.SerializeToUtf8Bytes(created, OriginSessionsJsonContext.Default.PooledOriginSession), ttl).ConfigureAwait(false);
                    }

                    var mode = request.Mode;
                    var reason = replacing is null ? "new" : "overflow";
                    _created.Add(1, new KeyValuePair<string, object?>("mode", mode), new KeyValuePair<string, object?>("reason", reason));
                    LogCreated(_logger, created.Id, mode, reason);
                    return created;
                }
                finally
                {
                    await database.ScriptEvaluateAsync(ReleaseScript, [lockKey], [owner]).ConfigureAwait(false);
                }
            }

            // Another replica is opening it: wait for its entry (its lock expires if it died).
            if (_time.GetUtcNow() >= deadline)
            {
                throw new KvsException(KvsErrorTypes.ServiceUnavailable, 503, "The origin session for this stream is still being created; try again.");
            }

            await Task.Delay(PollInterval, _time).ConfigureAwait(false);
        }
    }

    // A session the pool may hand out: alive long enough, and not the one being replaced for its spent budget.
    private static bool Serves(PooledOriginSession? current, DateTimeOffset needed, string? replacing) =>
        current is not null && current.ExpiresAt >= needed && current.Id != replacing;

    private async Task<PooledOriginSession> CreateAsync(OriginSessionRequest request, string stream, int expiresSeconds, string? pool)
    {
        var options = _options.CurrentValue;
        // Bounded in real time whatever clock the budget's windows follow.
        using (var wait = new CancellationTokenSource(options.JoinTimeout))
        {
            await _budget.TakeSessionUrlAsync(stream, wait.Token).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        string? url;
        try
        {
            // Not the viewer's cancellation: viewers waiting on this flight still need its result.
            // The request is this flight's own (built by the issuer for the origin); only its expiry is the pool's.
            if (request.Hls is { } hls)
            {
                hls.Expires = expiresSeconds;
                url = (await _origin.GetHlsStreamingSessionUrlAsync(hls).ConfigureAwait(false)).HlsStreamingSessionUrl;
            }
            else
            {
                request.Dash!.Expires = expiresSeconds;
                url = (await _origin.GetDashStreamingSessionUrlAsync(request.Dash).ConfigureAwait(false)).DashStreamingSessionUrl;
            }
        }
        catch (KvsException ex) when (OriginAuthentication.IsFailure(ex))
        {
            // The gateway's own credentials were refused: a server fault, not the caller's signature.
            LogOriginRefusedCredentials(_logger, ex.ErrorType);
            throw new KvsException(KvsErrorTypes.ServiceUnavailable, 503, "The gateway could not authenticate to its media origin.");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            throw new KvsException(KvsErrorTypes.InternalFailure, 500, "The origin returned no session URL.");
        }

        return new PooledOriginSession
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Url = url!,
            CreatedAt = now,
            ExpiresAt = now.AddSeconds(expiresSeconds),
            Pool = pool,
            Stream = pool is null ? null : stream,
            Request = pool is null ? null : request.Dash,
            HlsRequest = pool is null ? null : request.Hls,
        };
    }

    private void Remember(string pool, PooledOriginSession session)
    {
        var now = _time.GetUtcNow();
        if (_known.Count >= MaxKnown)
        {
            foreach (var pair in _known)
            {
                if (pair.Value.Session.ExpiresAt <= now)
                {
                    _known.TryRemove(pair);
                }
            }

            if (_known.Count >= MaxKnown)
            {
                _known.Clear();
            }
        }

        _known[pool] = new Known(session, now);
    }

    private async Task<PooledOriginSession?> ReadAsync(string pool)
    {
        var value = await _redis.GetDatabase().StringGetAsync(OriginSessionKeys.Current(pool)).ConfigureAwait(false);
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        var session = JsonSerializer.Deserialize((byte[])value!, OriginSessionsJsonContext.Default.PooledOriginSession);
        return session is null || session.ExpiresAt <= _time.GetUtcNow() ? null : session;
    }

    [LoggerMessage(1, LogLevel.Information, "Origin session {OriginSessionId} opened for the pool ({Mode}, {Reason})")]
    private static partial void LogCreated(ILogger logger, string originSessionId, string mode, string reason);

    [LoggerMessage(2, LogLevel.Error, "The origin refused the gateway's credentials ({ErrorType}); check Origin:AccessKeyId and Origin:SecretAccessKey")]
    private static partial void LogOriginRefusedCredentials(ILogger logger, string errorType);

    [LoggerMessage(3, LogLevel.Warning, "Origin session {OriginSessionId} has spent its budget and its replacement could not be opened")]
    private static partial void LogReplaceFailed(ILogger logger, Exception exception, string originSessionId);

    /// <summary>A pool entry as this replica last read (or wrote) it.</summary>
    private readonly record struct Known(PooledOriginSession Session, DateTimeOffset CheckedAt);
}
