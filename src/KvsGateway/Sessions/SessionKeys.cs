namespace KvsGateway.Sessions;

/// <summary>
/// The Redis keys of sessions and their revocation. A session's keys share the hash tag
/// <c>{s:id}</c>; a tenant's revocation markers share <c>{t:tenant}</c> with its other keys.
/// </summary>
public static class SessionKeys
{
    public static string Session(string sessionId) => $"{RedisKeyPrefix.Value}{{s:{sessionId}}}:session";

    /// <summary>Sessions of this tenant's stream created at or before the stored time (epoch ms) are revoked.</summary>
    public static string StreamRevokedBefore(string tenant, string stream) => $"{RedisKeyPrefix.Value}{{t:{tenant}}}:revoked:stream:{stream}";

    /// <summary>Sessions of this tenant created at or before the stored time (epoch ms) are revoked.</summary>
    public static string TenantRevokedBefore(string tenant) => $"{RedisKeyPrefix.Value}{{t:{tenant}}}:revoked";

    /// <summary>The pub/sub channel on which replicas announce revocations.</summary>
    public const string RevocationChannel = RedisKeyPrefix.Value + "revocations";
}
