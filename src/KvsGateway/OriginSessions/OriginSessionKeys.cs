namespace KvsGateway.OriginSessions;

/// <summary>The Redis keys of the pool. A pool entry and its creation lock share the hash tag <c>{o:hash}</c>.</summary>
public static class OriginSessionKeys
{
    /// <summary>The current origin session for a key (JSON, TTL = its expiry).</summary>
    public static string Current(OriginSessionKey key) => $"{RedisKeyPrefix.Value}{{o:{Check(key).Hash}}}:current";

    /// <summary>Held (SET NX, with a TTL) by the one replica creating the next origin session for a key.</summary>
    public static string CreationLock(OriginSessionKey key) => $"{RedisKeyPrefix.Value}{{o:{Check(key).Hash}}}:creating";

    private static OriginSessionKey Check(OriginSessionKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key;
    }
}
