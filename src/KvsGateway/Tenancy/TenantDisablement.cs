using System.Collections.Concurrent;
using StackExchange.Redis;

namespace KvsGateway.Tenancy;

/// <summary>
/// Disabling a tenant at run time, for every replica: a Redis flag refuses its calls and its
/// sessions' requests. (Whoever disables a tenant also revokes its sessions, so those stop within a
/// second on every replica.) A tenant may also be disabled in configuration.
/// </summary>
/// <remarks>
/// A control-plane call asks whether its tenant is disabled; a replica trusts an answer of "not
/// disabled" for <see cref="TrustEnabledFor"/> and then reads the flag again, and every replica
/// forgets that answer as soon as a disable is published. So a disable reaches every control plane
/// within a second even if its message is lost, while the busy path (thousands of session URLs a
/// second) costs no Redis call. A disabled tenant is never trusted: enabling it again is seen at once.
/// </remarks>
public sealed class TenantDisablement : IHostedService
{
    /// <summary>How long a replica trusts that a tenant is not disabled.</summary>
    public static readonly TimeSpan TrustEnabledFor = TimeSpan.FromSeconds(1);

    private static readonly RedisChannel Channel = RedisChannel.Literal(TenancyKeys.DisabledChannel);

    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;

    // Tenant (a configured name) → until when "not disabled" is trusted.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _enabledUntil = new(StringComparer.Ordinal);

    public TenantDisablement(IConnectionMultiplexer redis, TimeProvider time)
    {
        _redis = redis;
        _time = time;
    }

    public async Task<bool> IsDisabledAsync(Tenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (tenant.Definition.Disabled)
        {
            return true;
        }

        var now = _time.GetUtcNow();
        if (_enabledUntil.TryGetValue(tenant.Name, out var until) && now < until)
        {
            return false;
        }

        if (await IsFlaggedAsync(tenant.Name).ConfigureAwait(false))
        {
            _enabledUntil.TryRemove(tenant.Name, out _);
            return true;
        }

        _enabledUntil[tenant.Name] = now + TrustEnabledFor;
        return false;
    }

    /// <summary>Whether an operator has disabled the tenant through the admin API.</summary>
    public Task<bool> IsFlaggedAsync(string tenant) => _redis.GetDatabase().KeyExistsAsync(TenancyKeys.TenantDisabled(tenant));

    public async Task DisableAsync(string tenant)
    {
        await _redis.GetDatabase().StringSetAsync(TenancyKeys.TenantDisabled(tenant), "1").ConfigureAwait(false);
        _enabledUntil.TryRemove(tenant, out _);
        await _redis.GetSubscriber().PublishAsync(Channel, tenant).ConfigureAwait(false);
    }

    public Task EnableAsync(string tenant) => _redis.GetDatabase().KeyDeleteAsync(TenancyKeys.TenantDisabled(tenant));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var channel = await _redis.GetSubscriber().SubscribeAsync(Channel).ConfigureAwait(false);

        // Only forgets: whatever a message says, the next call reads the flag itself.
        channel.OnMessage(message => _enabledUntil.TryRemove(message.Message.ToString(), out _));
    }

    public Task StopAsync(CancellationToken cancellationToken) => _redis.GetSubscriber().UnsubscribeAsync(Channel);
}
