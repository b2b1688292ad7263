using System.Globalization;
using KvsGateway.Tenancy;
using StackExchange.Redis;

namespace KvsGateway.Sessions;

/// <summary>
/// Revokes sessions for every replica. One session: its Redis record is deleted. A stream's or a
/// tenant's sessions: a "revoked before" time is written (kept as long as the longest session can
/// live), so sessions created earlier are refused without listing them. Every replica hears the
/// revocation on a pub/sub channel and evicts its cache at once; on this replica the features that
/// keep state per session (<see cref="IRevocationObserver"/>) are told.
/// </summary>
public sealed partial class SessionRevoker : IHostedService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal(SessionKeys.RevocationChannel);
    private static readonly TimeSpan MarkerLifetime = TimeSpan.FromSeconds(43_200 + 60);

    private readonly IConnectionMultiplexer _redis;
    private readonly SessionStore _sessions;
    private readonly SessionCache _cache;
    private readonly IEnumerable<IRevocationObserver> _observers;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionRevoker> _logger;

    public SessionRevoker(IConnectionMultiplexer redis, SessionStore sessions, SessionCache cache, IEnumerable<IRevocationObserver> observers, TimeProvider time, ILogger<SessionRevoker> logger)
    {
        _redis = redis;
        _sessions = sessions;
        _cache = cache;
        _observers = observers;
        _time = time;
        _logger = logger;
    }

    public async Task RevokeAsync(Revocation revocation)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        var db = _redis.GetDatabase();
        switch (revocation.Scope)
        {
            case RevocationScope.Session:
                await _sessions.DeleteAsync(revocation.SessionId!).ConfigureAwait(false);
                break;
            case RevocationScope.Stream:
                await db.StringSetAsync(SessionKeys.StreamRevokedBefore(revocation.Tenant, revocation.Stream!), Now(), MarkerLifetime).ConfigureAwait(false);
                break;
            default:
                await db.StringSetAsync(SessionKeys.TenantRevokedBefore(revocation.Tenant), Now(), MarkerLifetime).ConfigureAwait(false);
                break;
        }

        _cache.Evict(revocation);
        foreach (var observer in _observers)
        {
            await observer.OnRevokedAsync(revocation).ConfigureAwait(false);
        }

        await _redis.GetSubscriber().PublishAsync(Channel, revocation.ToMessage()).ConfigureAwait(false);
        LogRevoked(_logger, revocation.Scope, revocation.Tenant, revocation.Stream, revocation.SessionId);
    }

    /// <summary>Whether a stream- or tenant-wide revocation came after the session was created, or the tenant is disabled.</summary>
    public async Task<bool> IsRevokedAsync(PlaybackSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var db = _redis.GetDatabase();
        var stream = db.StringGetAsync(SessionKeys.StreamRevokedBefore(session.Tenant, session.StreamName));
        var tenant = db.StringGetAsync(SessionKeys.TenantRevokedBefore(session.Tenant));
        var disabled = db.KeyExistsAsync(TenancyKeys.TenantDisabled(session.Tenant));
        await Task.WhenAll(stream, tenant, disabled).ConfigureAwait(false);
        if (disabled.Result)
        {
            return true;
        }

        foreach (var marker in new[] { stream.Result, tenant.Result })
        {
            if (!marker.IsNullOrEmpty && long.TryParse(marker.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                && session.CreatedAt.ToUnixTimeMilliseconds() <= ms)
            {
                return true;
            }
        }

        return false;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var channel = await _redis.GetSubscriber().SubscribeAsync(Channel).ConfigureAwait(false);
        channel.OnMessage(message =>
        {
            if (Revocation.Parse(message.Message.ToString()) is { } revocation)
            {
                _cache.Evict(revocation);
            }
        });
    }

    public Task StopAsync(CancellationToken cancellationToken) => _redis.GetSubscriber().UnsubscribeAsync(Channel);

    private string Now() => _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(1, LogLevel.Information, "Revoked {Scope}: tenant {Tenant}, stream {Stream}, session {SessionId}")]
    private static partial void LogRevoked(ILogger logger, RevocationScope scope, string tenant, string? stream, string? sessionId);
}
