using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace KvsGateway.Health;

/// <summary>Redis answers a PING (cached for a few seconds).</summary>
public sealed class RedisHealthCheck : IHealthCheck
{
    private readonly IConnectionMultiplexer _redis;
    private readonly HealthResultCache _cache;

    public RedisHealthCheck(IConnectionMultiplexer redis, TimeProvider time)
    {
        _redis = redis;
        _cache = new HealthResultCache(time);
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        _cache.GetAsync(ProbeAsync, cancellationToken);

    private async Task<HealthCheckResult> ProbeAsync()
    {
        try
        {
            await _redis.GetDatabase().PingAsync().ConfigureAwait(false);
            return HealthCheckResult.Healthy("ok");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("unreachable");
        }
    }
}
