namespace KvsGateway.Sessions;

/// <summary>
/// Every Redis key the gateway uses. A session's keys share the hash tag <c>{s:id}</c>, so they live in
/// one Redis Cluster slot and can be written together.
/// </summary>
public static class RedisKeys
{
    public const string Prefix = "kvsgw:";

    public static string Session(string sessionId) => $"{Prefix}{{s:{sessionId}}}:session";

    /// <summary>What one session has been metered, per API; kept beside its tenant's usage (one Cluster slot).</summary>
    public static string SessionUsage(string tenant, string sessionId) => $"{Prefix}{{t:{tenant}}}:session-usage:{sessionId}";

    /// <summary>Marks a tenant's part of a usage batch as applied.</summary>
    public static string UsageBatchMarker(string tenant, Guid batchId) => $"{Prefix}{{t:{tenant}}}:usage-batch:{batchId:N}";

    /// <summary>Every tenant that has usage, including tenants since removed from configuration.</summary>
    public const string UsageTenants = Prefix + "usage-tenants";

    /// <summary>Sessions of this tenant's stream created at or before the stored time (epoch ms) are revoked.</summary>
    public static string StreamRevokedBefore(string tenant, string stream) => $"{Prefix}{{t:{tenant}}}:revoked:stream:{stream}";

    /// <summary>Sessions of this tenant created at or before the stored time (epoch ms) are revoked.</summary>
    public static string TenantRevokedBefore(string tenant) => $"{Prefix}{{t:{tenant}}}:revoked";

    public static string TenantHourUsage(string tenant, DateTimeOffset hour) =>
        $"{Prefix}{{t:{tenant}}}:usage:{hour.UtcDateTime:yyyyMMddHH}";

    /// <summary>A tenant's open sessions: a sorted set of <c>stream/sessionId</c> scored by expiry (epoch ms).</summary>
    public static string OpenSessions(string tenant) => $"{Prefix}{{t:{tenant}}}:open-sessions";

    /// <summary>Present while an operator has disabled the tenant.</summary>
    public static string TenantDisabled(string tenant) => $"{Prefix}{{t:{tenant}}}:disabled";

    /// <summary>The tenant's outgoing playback bytes in a calendar month (UTC), for its budget.</summary>
    public static string TenantMonthBytes(string tenant, DateTimeOffset time) =>
        $"{Prefix}{{t:{tenant}}}:bytes:{time.UtcDateTime:yyyyMM}";

    /// <summary>A rate counter of a tenant (per stream) or of a session; the window is appended.</summary>
    public static string TenantRate(string tenant, string what, string stream) => $"{Prefix}{{t:{tenant}}}:rate:{what}:{stream}";

    public static string SessionRate(string sessionId, string api) => $"{Prefix}{{s:{sessionId}}}:rate:{api}";

    /// <summary>A tenant's viewer records of one UTC hour: a list of JSON records in delivery order.</summary>
    public static string TenantHourViewers(string tenant, DateTimeOffset time) =>
        $"{Prefix}{{t:{tenant}}}:viewers:{time.UtcDateTime:yyyyMMddHH}";
}
