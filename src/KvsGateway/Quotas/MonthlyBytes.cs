using System.Collections.Concurrent;
using System.Globalization;
using KvsGateway.Metering;
using StackExchange.Redis;

namespace KvsGateway.Quotas;

/// <summary>
/// A tenant's metered bytes this month, as flushed to Redis, read at most once a second per tenant
/// per replica: a budget check costs a memory read on almost every request.
/// </summary>
public sealed class MonthlyBytes
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (long Bytes, DateTimeOffset ReadAt)> _cache = new(StringComparer.Ordinal);

    public MonthlyBytes(IConnectionMultiplexer redis, TimeProvider time)
    {
        _redis = redis;
        _time = time;
    }

    public async ValueTask<long> GetAsync(string tenant)
    {
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(tenant, out var cached) && now - cached.ReadAt < MaxAge && cached.ReadAt.Month == now.Month)
        {
            return cached.Bytes;
        }

        var value = await _redis.GetDatabase().StringGetAsync(UsageKeys.TenantMonthBytes(tenant, now)).ConfigureAwait(false);
        var bytes = value.IsNullOrEmpty ? 0 : long.Parse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture);
        _cache[tenant] = (bytes, now);
        return bytes;
    }
}
