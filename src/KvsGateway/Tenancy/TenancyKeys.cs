namespace KvsGateway.Tenancy;

/// <summary>The Redis keys of tenancy (hash tag <c>{t:tenant}</c>).</summary>
public static class TenancyKeys
{
    /// <summary>The pub/sub channel on which a disable is announced (the message is the tenant's name).</summary>
    public const string DisabledChannel = RedisKeyPrefix.Value + "tenant-disabled";

    /// <summary>Present while an operator has disabled the tenant.</summary>
    public static string TenantDisabled(string tenant) => $"{RedisKeyPrefix.Value}{{t:{tenant}}}:disabled";
}
