using KvsGateway.Outages;
using KvsGateway.Kvs.Errors;
using KvsGateway.Tenancy;
using KvsGateway.Tokens;

namespace KvsGateway.Sessions;

/// <summary>From a <c>SessionToken</c> to a live session; anything wrong answers 403 as KVS does.</summary>
public sealed class PlaybackSessionResolver
{
    /// <summary>How long a validated session waits for Redis before it plays on from memory.</summary>
    private static readonly TimeSpan RevalidationWait = TimeSpan.FromMilliseconds(250);

    private readonly SessionTokenService _tokens;
    private readonly SessionStore _sessions;
    private readonly SessionCache _cache;
    private readonly SessionRevoker _revoker;
    private readonly TenantDirectory _tenants;
    private readonly TimeProvider _time;

    public PlaybackSessionResolver(SessionTokenService tokens, SessionStore sessions, SessionCache cache, SessionRevoker revoker, TenantDirectory tenants, TimeProvider time)
    {
        _tenants = tenants;
        _tokens = tokens;
        _sessions = sessions;
        _cache = cache;
        _revoker = revoker;
        _time = time;
    }

    /// <summary>
    /// The warm path is a memory lookup; the cold path decrypts the token and reads Redis. The
    /// session's tenant must still be configured and not disabled.
    /// </summary>
    public async ValueTask<ResolvedSession> ResolveAsync(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var session = await FindSessionAsync(token).ConfigureAwait(false);
        return _tenants.FindByName(session.Tenant) is { Definition.Disabled: false } tenant ? new ResolvedSession(session, tenant, token) : throw Refused();
    }

    /// <summary>
    /// What an authentic, unexpired token names when its session could not be resolved (Redis away,
    /// the session revoked or lost): the tenant (if still configured) and stream to bill the answer to.
    /// Null for anything else, and for tokens issued before streams were named in them.
    /// </summary>
    public async ValueTask<SessionTokenClaims?> FindBillableClaimsAsync(string token) =>
        await _tokens.ReadAsync(token).ConfigureAwait(false) is { Stream: not null } claims && _tenants.FindByName(claims.Tenant) is not null ? claims : null;

    private async ValueTask<PlaybackSession> FindSessionAsync(string token)
    {
        if (token.Length > 0 && _cache.Find(token) is { } cached && cached.ExpiresAt > _time.GetUtcNow())
        {
            return cached;
        }

        // Taken before anything is read: a revocation from here on keeps this read out of the cache.
        var generation = _cache.Generation;
        var claims = await _tokens.ReadAsync(token).ConfigureAwait(false)
            ?? throw Refused();
        PlaybackSession? session;
        bool revoked;
        try
        {
            var read = ReadAsync(claims.SessionId);
            if (_cache.FindValidated(token) is not null)
            {
                // A session this replica has validated waits no longer than this for Redis (real time:
                // Redis answers in it): a stalled Redis is then an outage for it, below.
                read = read.WaitAsync(RevalidationWait, TimeProvider.System);
            }

            (session, revoked) = await read.ConfigureAwait(false);
        }
        catch (Exception ex) when ((RedisOutageTranslator.IsOutage(ex) || ex is TimeoutException) && _cache.FindValidated(token) is { } validated)
        {
            // Redis cannot be read (a failover, an outage): a session this replica has validated plays
            // on — its token is authentic and unexpired, and revocations evict it from memory. One never
            // seen here cannot be checked and fails closed (the outage surfaces as a 503).
            return validated;
        }

        if (session is null || revoked || !string.Equals(session.Tenant, claims.Tenant, StringComparison.Ordinal))
        {
            throw Refused();
        }

        _cache.TryAdd(token, session, generation);
        return session;
    }

    private async Task<(PlaybackSession? Session, bool Revoked)> ReadAsync(string sessionId)
    {
        var session = await _sessions.FindAsync(sessionId).ConfigureAwait(false);
        return (session, session is not null && await _revoker.IsRevokedAsync(session).ConfigureAwait(false));
    }

    private static KvsException Refused() => KvsException.NotAuthorized("The session token is invalid or has expired.", 403);
}
