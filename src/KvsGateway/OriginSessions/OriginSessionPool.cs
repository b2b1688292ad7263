using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text.Json;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
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
/// one flight and make one Redis round of it.
/// </summary>
public sealed partial class OriginSessionPool
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
    private readonly ConcurrentDictionary<string, PooledOriginSession> _known = new(StringComparer.Ordinal);
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
    /// <paramref name="request"/> is the origin request built for this viewer (always asking for
    /// <c>kvs:ts</c> and <c>kvs:fn</c>); the pool sets its <c>Expires</c>.
    /// </summary>
    public async Task<PooledOriginSession> AcquireAsync(DashSessionParameters parameters, GetDashStreamingSessionUrlInput request, DateTimeOffset viewerExpiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(request);
        if (!_options.CurrentValue.Enabled)
        {
            // Unshared: the viewer's own origin session, with the viewer's own expiry, in no pool.
            return await CreateAsync(request, parameters.Stream.Name, parameters.ExpiresSeconds).ConfigureAwait(false);
        }

        var key = OriginSessionKey.For(_originIdentity, parameters, _time.GetUtcNow());
        var mode = parameters.PlaybackMode.ToWire();

        // The entry this replica saw last serves until it no longer outlives a viewer: no Redis
        // round trip per session URL while the pool's current session fits.
        if (_known.TryGetValue(key.Hash, out var known) && known.ExpiresAt >= viewerExpiresAt)
        {
            _joined.Add(1, new KeyValuePair<string, object?>("mode", mode));
            return known;
        }

        // A flight another request started may have produced a session that ends before this
        // viewer's; the next round then opens one that does not. Two rounds always suffice.
        for (var round = 0; ; round++)
        {
            var current = await ReadAsync(key).ConfigureAwait(false);
            if (current is not null && current.ExpiresAt >= viewerExpiresAt)
            {
                Remember(key, current);
                _joined.Add(1, new KeyValuePair<string, object?>("mode", mode));
                return current;
            }

            var flight = _flights.GetOrAdd(key.Hash, _ => new Lazy<Task<PooledOriginSession>>(() => CreateOrWaitAsync(key, request, viewerExpiresAt, parameters.Stream.Name)));
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
                Remember(key, session);
                return session;
            }
        }
    }

    private async Task<PooledOriginSession> CreateOrWaitAsync(OriginSessionKey key, GetDashStreamingSessionUrlInput request, DateTimeOffset needed, string stream)
    {
        var options = _options.CurrentValue;
        var database = _redis.GetDatabase();
        var lockKey = OriginSessionKeys.CreationLock(key);
        var owner = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var deadline = _time.GetUtcNow() + options.JoinTimeout;
        while (true)
        {
            var current = await ReadAsync(key).ConfigureAwait(false);
            if (current is not null && current.ExpiresAt >= needed)
            {
                return current;
            }

            if (await database.StringSetAsync(lockKey, owner, options.JoinTimeout, When.NotExists).ConfigureAwait(false))
            {
                try
                {
                    // Another replica may have finished between the read above and the lock.
                    current = await ReadAsync(key).ConfigureAwait(false);
                    if (current is not null && current.ExpiresAt >= needed)
                    {
                        return current;
                    }

                    var created = await CreateAsync(request, stream, options.ExpiresSeconds).ConfigureAwait(false);
                    var ttl = created.ExpiresAt - _time.GetUtcNow();
                    if (ttl > TimeSpan.Zero)
                    {
                        await database.StringSetAsync(OriginSessionKeys.Current(key), JsonSerializer.SerializeToUtf8Bytes(created, OriginSessionsJsonContext.Default.PooledOriginSession), ttl).ConfigureAwait(false);
                    }

                    _created.Add(1, new KeyValuePair<string, object?>("mode", key.Description));
                    LogCreated(_logger, created.Id, key.Description);
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

    private async Task<PooledOriginSession> CreateAsync(GetDashStreamingSessionUrlInput request, string stream, int expiresSeconds)
    {
        var options = _options.CurrentValue;
        // Bounded in real time whatever clock the budget's windows follow.
        using (var wait = new CancellationTokenSource(options.JoinTimeout))
        {
            await _budget.TakeSessionUrlAsync(stream, wait.Token).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        GetDashStreamingSessionUrlOutput origin;
        try
        {
            // Not the viewer's cancellation: viewers waiting on this flight still need its result.
            // The request is this flight's own (built by the issuer for the origin); only its expiry is the pool's.
            request.Expires = expiresSeconds;
            origin = await _origin.GetDashStreamingSessionUrlAsync(request).ConfigureAwait(false);
        }
        catch (KvsException ex) when (OriginAuthentication.IsFailure(ex))
        {
            // The gateway's own credentials were refused: a server fault, not the caller's signature.
            LogOriginRefusedCredentials(_logger, ex.ErrorType);
            throw new KvsException(KvsErrorTypes.ServiceUnavailable, 503, "The gateway could not authenticate to its media origin.");
        }

        if (!Uri.TryCreate(origin.DashStreamingSessionUrl, UriKind.Absolute, out _))
        {
            throw new KvsException(KvsErrorTypes.InternalFailure, 500, "The origin returned no session URL.");
        }

        return new PooledOriginSession
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            Url = origin.DashStreamingSessionUrl!,
            CreatedAt = now,
            ExpiresAt = now.AddSeconds(expiresSeconds),
        };
    }

    private void Remember(OriginSessionKey key, PooledOriginSession session)
    {
        if (_known.Count >= MaxKnown)
        {
            var now = _time.GetUtcNow();
            foreach (var pair in _known)
            {
                if (pair.Value.ExpiresAt <= now)
                {
                    _known.TryRemove(pair);
                }
            }

            if (_known.Count >= MaxKnown)
            {
                _known.Clear();
            }
        }

        _known[key.Hash] = session;
    }

    private async Task<PooledOriginSession?> ReadAsync(OriginSessionKey key)
    {
        var value = await _redis.GetDatabase().StringGetAsync(OriginSessionKeys.Current(key)).ConfigureAwait(false);
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        var session = JsonSerializer.Deserialize((byte[])value!, OriginSessionsJsonContext.Default.PooledOriginSession);
        return session is null || session.ExpiresAt <= _time.GetUtcNow() ? null : session;
    }

    [LoggerMessage(1, LogLevel.Information, "Origin session {OriginSessionId} opened for the pool ({Mode})")]
    private static partial void LogCreated(ILogger logger, string originSessionId, string mode);

    [LoggerMessage(2, LogLevel.Error, "The origin refused the gateway's credentials ({ErrorType}); check Origin:AccessKeyId and Origin:SecretAccessKey")]
    private static partial void LogOriginRefusedCredentials(ILogger logger, string errorType);
}
