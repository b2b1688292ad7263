using KvsGateway.Sessions;
using StackExchange.Redis;

namespace KvsGateway.Tenancy;

/// <summary>
/// Disabling a tenant at run time, for every replica: a Redis flag refuses its control-plane calls,
/// and a tenant-wide revocation stops its sessions within a second. A tenant may also be disabled
/// in configuration.
/// </summary>
public sealed class TenantDisablement
{
    private readonly IConnectionMultiplexer _redis;
    private readonly SessionRevoker _revoker;

    public TenantDisablement(IConnectionMultiplexer redis, SessionRevoker revoker)
    {
        _redis = redis;
        _revoker = revoker;
    }

    public async Task<bool> IsDisabledAsync(Tenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return tenant.Definition.Disabled || await _redis.GetDatabase().KeyExistsAsync(RedisKeys.TenantDisabled(tenant.Name)).ConfigureAwait(false);
    }

    public async Task DisableAsync(string tenant)
    {
        await _redis.GetDatabase().StringSetAsync(RedisKeys.TenantDisabled(tenant), "1").ConfigureAwait(false);
        await _revoker.RevokeAsync(new Revocation(RevocationScope.Tenant, tenant)).ConfigureAwait(false);
    }

    public Task EnableAsync(string tenant) => _redis.GetDatabase().KeyDeleteAsync(RedisKeys.TenantDisabled(tenant));
}
