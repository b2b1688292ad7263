namespace KvsGateway.Metering;

/// <summary>
/// The Redis keys of usage. A tenant's share the hash tag <c>{t:tenant}</c>, so one script applies a
/// tenant's part of a batch atomically, in one Redis Cluster slot.
/// </summary>
public static class UsageKeys
{
    /// <summary>Every tenant that has usage, including tenants since removed from configuration.</summary>
    public const string UsageTenants = RedisKeyPrefix.Value + "usage-tenants";

    /// <summary>What one session has been metered, per API; kept beside its tenant's usage.</summary>
    public static string SessionUsage(string tenant, string sessionId) => $"{RedisKeyPrefix.Value}{{t:{tenant}}}:session-usage:{sessionId}";

    /// <summary>Marks a tenant's part of a batch (a journal segment) as applied.</summary>
    public static string UsageBatchMarker(string tenant, Guid batchId) => $"{RedisKeyPrefix.Value}{{t:{tenant}}}:usage-batch:{batchId:N}";

    /// <summary>A tenant's usage of one UTC hour: a hash of <c>stream|api|counter</c>.</summary>
    public static string TenantHourUsage(string tenant, DateTimeOffset hour) => $"{RedisKeyPrefix.Value}{{t:{tenant}}}:usage:{hour.UtcDateTime:yyyyMMddHH}";

    /// <summary>A tenant's outgoing playback bytes in a calendar month (UTC), which its budget is held to.</summary>
    public static string TenantMonthBytes(string tenant, DateTimeOffset time) => $"{RedisKeyPrefix.Value}{{t:{tenant}}}:bytes:{time.UtcDateTime:yyyyMM}";

    /// <summary>A tenant's viewer records of one UTC hour: a list of JSON records in delivery order.</summary>
    public static string TenantHourViewers(string tenant, DateTimeOffset time) => $"{RedisKeyPrefix.Value}{{t:{tenant}}}:viewers:{time.UtcDateTime:yyyyMMddHH}";
}
