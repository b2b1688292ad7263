using System.Collections.Concurrent;

namespace KvsGateway.Metering;

/// <summary>
/// The hot-path side of metering: an in-memory add per request, no Redis round trip. The flusher
/// swaps the table out and writes it to Redis in one batch.
/// </summary>
public sealed class UsageMeter
{
    private readonly TimeProvider _time;
    private ConcurrentDictionary<UsageKey, UsageCounts> _pending = new();

    public UsageMeter(TimeProvider time)
    {
        _time = time;
    }

    public void Record(string tenant, string stream, string sessionId, string api, long bytes, bool success)
    {
        var now = _time.GetUtcNow();
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var counts = _pending.GetOrAdd(new UsageKey(tenant, stream, sessionId, api, hour), static _ => new UsageCounts());
        counts.Add(bytes, success);
    }

    /// <summary>Takes everything counted so far; later records go into a fresh table.</summary>
    public IReadOnlyDictionary<UsageKey, UsageCounts> Drain() => Interlocked.Exchange(ref _pending, new ConcurrentDictionary<UsageKey, UsageCounts>());

    /// <summary>Puts back a batch that could not be written, so nothing is lost.</summary>
    public void Restore(IReadOnlyDictionary<UsageKey, UsageCounts> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var (key, counts) in batch)
        {
            _pending.GetOrAdd(key, static _ => new UsageCounts()).Add(counts.Bytes, counts.Requests, counts.Successes);
        }
    }
}
