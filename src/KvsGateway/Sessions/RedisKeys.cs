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

    public static string TenantHourUsage(string tenant, DateTimeOffset hour) =>
        $"{Prefix}{{t:{tenant}}}:usage:{hour.UtcDateTime:yyyyMMddHH}";
}
