using System.Globalization;
using System.Threading.RateLimiting;
using KvsGateway.Kvs.Errors;
using KvsGateway.Tenancy;

namespace KvsGateway.Quotas;

/// <summary>
/// Each tenant's allowance of control-plane calls per second on this replica
/// (<c>ControlPlaneRequestsPerSecond</c>), held in memory: it is checked before anything the caller
/// wrote is parsed, so it must cost no I/O.
/// </summary>
public sealed class TenantRequestLimiter : IDisposable
{
    // Keyed by tenant and limit, so a limit changed by a configuration reload takes effect at once.
    private readonly PartitionedRateLimiter<(string Tenant, int Limit)> _limiter = PartitionedRateLimiter.Create<(string Tenant, int Limit), (string, int)>(
        key => RateLimitPartition.GetTokenBucketLimiter(key, k => new TokenBucketRateLimiterOptions
        {
            TokenLimit = k.Item2,
            TokensPerPeriod = k.Item2,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Takes one call of the tenant's allowance, or refuses it with <c>ClientLimitExceededException</c>.</summary>
    public void Require(Tenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var limit = tenant.Definition.ControlPlaneRequestsPerSecond;
        using var lease = _limiter.AttemptAcquire((tenant.Name, limit));
        if (!lease.IsAcquired)
        {
            throw new KvsException(KvsErrorTypes.ClientLimitExceeded, 400, string.Create(CultureInfo.InvariantCulture, $"The rate limit ({limit} calls per second) for this account has been exceeded.")) { RetryAfterSeconds = 1 };
        }
    }

    public void Dispose() => _limiter.Dispose();
}
