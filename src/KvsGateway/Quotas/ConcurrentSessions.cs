using System.Globalization;
using StackExchange.Redis;

namespace KvsGateway.Quotas;

/// <summary>
/// A tenant's open sessions, shared by all replicas: a Redis sorted set of <c>stream/sessionId</c>
/// scored by expiry. Opening checks and adds in one script, so two replicas cannot both take the
/// last slot; expired members are dropped as they are met.
/// </summary>
public sealed class ConcurrentSessions
{
    private const string OpenScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        local max = tonumber(ARGV[4])
        if max >= 0 and redis.call('ZCARD', KEYS[1]) >= max then return 0 end
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
        local ttl = redis.call('PTTL', KEYS[1])
        local wanted = tonumber(ARGV[2]) - tonumber(ARGV[1])
        if ttl < wanted then redis.call('PEXPIRE', KEYS[1], wanted) end
        return 1
        """;

    private const string ReleaseStreamScript = """
        local removed = 0
        for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
          if string.sub(member, 1, string.len(ARGV[1])) == ARGV[1] then
            removed = removed + redis.call('ZREM', KEYS[1], member)
          end
        end
        return removed
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;

    public ConcurrentSessions(IConnectionMultiplexer redis, TimeProvider time)
    {
        _redis = redis;
        _time = time;
    }

    /// <summary>Records a new session; false when the tenant already holds <paramref name="max"/> (null: no limit).</summary>
    /// <summary>Takes a slot for the session unless the tenant has <paramref name="max"/> open; on <paramref name="batch"/> when given.</summary>
    public async Task<bool> TryOpenAsync(string tenant, string stream, string sessionId, DateTimeOffset expiresAt, int? max, IDatabaseAsync? batch = null)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var result = await (batch ?? _redis.GetDatabase()).ScriptEvaluateAsync(
            OpenScript,
            [QuotaKeys.OpenSessions(tenant)],
            [now, expiresAt.ToUnixTimeMilliseconds(), Member(stream, sessionId), max ?? -1]).ConfigureAwait(false);
        return (long)result == 1;
    }

    public Task ReleaseAsync(string tenant, string stream, string sessionId) =>
        _redis.GetDatabase().SortedSetRemoveAsync(QuotaKeys.OpenSessions(tenant), Member(stream, sessionId));

    public Task ReleaseStreamAsync(string tenant, string stream) =>
        _redis.GetDatabase().ScriptEvaluateAsync(ReleaseStreamScript, [QuotaKeys.OpenSessions(tenant)], [stream + "/"]);

    public Task ReleaseTenantAsync(string tenant) => _redis.GetDatabase().KeyDeleteAsync(QuotaKeys.OpenSessions(tenant));

    /// <summary>The tenant's sessions that have not expired, soonest expiry first.</summary>
    public async Task<IReadOnlyList<OpenSession>> ListAsync(string tenant)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var entries = await _redis.GetDatabase().SortedSetRangeByScoreWithScoresAsync(QuotaKeys.OpenSessions(tenant), now, double.PositiveInfinity, Exclude.Start).ConfigureAwait(false);
        var sessions = new List<OpenSession>(entries.Length);
        foreach (var entry in entries)
        {
            var member = entry.Element.ToString();
            var slash = member.LastIndexOf('/');
            if (slash > 0)
            {
                sessions.Add(new OpenSession(member[(slash + 1)..], member[..slash], DateTimeOffset.FromUnixTimeMilliseconds((long)entry.Score)));
            }
        }

        return sessions;
    }

    public async Task<long> CountAsync(string tenant)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return await _redis.GetDatabase().SortedSetLengthAsync(QuotaKeys.OpenSessions(tenant), now, double.PositiveInfinity, Exclude.Start).ConfigureAwait(false);
    }

    private static string Member(string stream, string sessionId) => string.Create(CultureInfo.InvariantCulture, $"{stream}/{sessionId}");
}
