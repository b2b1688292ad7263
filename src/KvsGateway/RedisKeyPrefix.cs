namespace KvsGateway;

/// <summary>
/// The prefix of every key the gateway keeps in Redis. Each feature names its own keys (in its
/// folder's <c>…Keys</c> class) under it, with a hash tag that keeps a tenant's or a session's keys
/// in one Redis Cluster slot, so its scripts may touch them together.
/// </summary>
public static class RedisKeyPrefix
{
    public const string Value = "kvsgw:";
}
