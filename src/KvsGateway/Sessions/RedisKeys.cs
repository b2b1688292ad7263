namespace KvsGateway.Sessions;

/// <summary>
/// Every Redis key the gateway uses. A session's keys share the hash tag <c>{s:id}</c>, so they live in
/// one Redis Cluster slot and can be written together.
/// </summary>
public static class RedisKeys
{
    public const string Prefix = "kvsgw:";

    public static string Session(string sessionId) => $"{Prefix}{{s:{sessionId}}}:session";

    public static string SessionUsage(string sessionId) => $"{Prefix}{{s:{sessionId}}}:usage";

    /// <summary>Sessions of this tenant's stream created at or before the stored time (epoch ms) are revoked.</summary>
    public static string StreamRevokedBefore(string tenant, string stream) => $"{Prefix}{{t:{tenant}}}:revoked:stream:{stream}";

    /// <summary>Sessions of this tenant created at or before the stored time (epoch ms) are revoked.</summary>
    public static string TenantRevokedBefore(string tenant) => $"{Prefix}{{t:{tenant}}}:revoked";

    public static string TenantHourUsage(string tenant, DateTimeOffset hour) =>
        $"{Prefix}{{t:{tenant}}}:usage:{hour.UtcDateTime:yyyyMMddHH}";
}
