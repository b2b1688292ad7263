using StackExchange.Redis;

namespace KvsGateway.Tenancy;

/// <summary>
/// Disabling a tenant at run time, for every replica: a Redis flag refuses its calls and its
/// sessions' requests. (Whoever disables a tenant also revokes its sessions, so those stop within a
/// second on every replica.) A tenant may also be disabled in configuration.
/// </summary>
public sealed class TenantDisablement
{
    private readonly IConnectionMultiplexer _redis;

    public TenantDisablement(IConnectionMultiplexer redis)
    {
        _redis = redis;
    }

    public async Task<bool> IsDisabledAsync(Tenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return tenant.Definition.Disabled || await IsFlaggedAsync(tenant.Name).ConfigureAwait(false);
    }

    /// <summary>Whether an operator has disabled the tenant through the admin API.</summary>
    public Task<bool> IsFlaggedAsync(string tenant) => _redis.GetDatabase().KeyExistsAsync(TenancyKeys.TenantDisabled(tenant));

    public Task DisableAsync(string tenant) => _redis.GetDatabase().StringSetAsync(TenancyKeys.TenantDisabled(tenant), "1");

    public Task EnableAsync(string tenant) => _redis.GetDatabase().KeyDeleteAsync(TenancyKeys.TenantDisabled(tenant));
}
