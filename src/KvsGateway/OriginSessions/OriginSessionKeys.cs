using KvsGateway.Sessions;

namespace KvsGateway.OriginSessions;

/// <summary>
/// The Redis keys of the pool, named by a pool key's hash (<see cref="OriginSessionKey.Hash"/>). A
/// pool entry and its creation lock share the hash tag <c>{o:hash}</c>.
/// </summary>
public static class OriginSessionKeys
{
    /// <summary>The current origin session for a key (JSON, TTL = its expiry).</summary>
    public static string Current(string pool) => $"{RedisKeyPrefix.Value}{{o:{Check(pool)}}}:current";

    /// <summary>Held (SET NX, with a TTL) by the one replica creating the next origin session for a key.</summary>
    public static string CreationLock(string pool) => $"{RedisKeyPrefix.Value}{{o:{Check(pool)}}}:creating";

    /// <summary>Whether the text has the shape of a pool key's hash, before it becomes part of a key: 32 lower-case hex digits, a session id's shape.</summary>
    public static bool IsPoolKey(string? text) => SessionStore.IsSessionId(text);

    private static string Check(string pool) =>
        IsPoolKey(pool) ? pool : throw new ArgumentException("Not a pool key.", nameof(pool));
}
