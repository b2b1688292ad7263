namespace KvsGateway.Quotas;

/// <summary>The Redis keys of tenants' limits (hash tag <c>{t:tenant}</c>) and sessions' rates (<c>{s:id}</c>).</summary>
public static class QuotaKeys
{
    /// <summary>A tenant's open sessions: a sorted set of <c>stream/sessionId</c> scored by expiry (epoch ms).</summary>
    public static string OpenSessions(string tenant) => $"{RedisKeyPrefix.Value}{{t:{tenant}}}:open-sessions";

    /// <summary>A rate counter of a tenant's calls on a stream; the window is appended.</summary>
    public static string TenantRate(string tenant, string what, string stream) => $"{RedisKeyPrefix.Value}{{t:{tenant}}}:rate:{what}:{stream}";

    /// <summary>A rate counter of a session's playback calls of one API; the window is appended.</summary>
    public static string SessionRate(string sessionId, string api) => $"{RedisKeyPrefix.Value}{{s:{sessionId}}}:rate:{api}";
}
