using KvsGateway.Sessions;
using StackExchange.Redis;

namespace KvsGateway.Metering;

/// <summary>
/// Writes the meter's counts to Redis at least once a second, and on shutdown: per session
/// (what the session has received) and per tenant and hour (what finance bills).
/// </summary>
public sealed partial class UsageFlusher : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan UsageRetention = TimeSpan.FromDays(45);

    private readonly UsageMeter _meter;
    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<UsageFlusher> _logger;

    public UsageFlusher(UsageMeter meter, IConnectionMultiplexer redis, ILogger<UsageFlusher> logger)
    {
        _meter = meter;
        _redis = redis;
        _logger = logger;
    }

    public async Task FlushAsync()
    {
        var batch = _meter.Drain();
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            var db = _redis.GetDatabase();
            var writes = new List<Task>(batch.Count * 8);
            foreach (var (key, counts) in batch)
            {
                var sessionKey = RedisKeys.SessionUsage(key.SessionId);
                writes.Add(db.HashIncrementAsync(sessionKey, key.Api + ".OutgoingBytes", counts.Bytes));
                writes.Add(db.HashIncrementAsync(sessionKey, key.Api + ".Requests", counts.Requests));
                writes.Add(db.HashIncrementAsync(sessionKey, key.Api + ".Success", counts.Successes));
                writes.Add(db.KeyExpireAsync(sessionKey, UsageRetention));
                var tenantKey = RedisKeys.TenantHourUsage(key.Tenant, key.Hour);
                var prefix = $"{key.Stream}|{key.Api}";
                writes.Add(db.HashIncrementAsync(tenantKey, prefix + "|OutgoingBytes", counts.Bytes));
                writes.Add(db.HashIncrementAsync(tenantKey, prefix + "|Requests", counts.Requests));
                writes.Add(db.HashIncrementAsync(tenantKey, prefix + "|Success", counts.Successes));
                writes.Add(db.KeyExpireAsync(tenantKey, UsageRetention));
                var monthKey = RedisKeys.TenantMonthBytes(key.Tenant, key.Hour);
                writes.Add(db.StringIncrementAsync(monthKey, counts.Bytes));
                writes.Add(db.KeyExpireAsync(monthKey, UsageRetention));
            }

            await Task.WhenAll(writes).ConfigureAwait(false);
        }
        catch (RedisException ex)
        {
            LogFlushFailed(_logger, ex, batch.Count);
            _meter.Restore(batch);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Flushing follows the wall clock, whatever clock the business rules are tested with.
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushAsync().ConfigureAwait(false);
    }

    [LoggerMessage(1, LogLevel.Warning, "Writing {Count} usage counts to Redis failed; they are kept for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, int count);
}
