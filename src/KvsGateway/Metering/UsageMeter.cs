namespace KvsGateway.Metering;

/// <summary>
/// The hot-path side of metering: a locked in-memory add and a journal append per request, no
/// Redis round trip. The flusher swaps the table and the journal segment out together, so each
/// batch holds exactly the records of its segment.
/// </summary>
public sealed class UsageMeter : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly PlaybackMetrics _metrics;
    private UsageJournal? _journal;
    private Dictionary<UsageKey, UsageCounts> _pending = [];
    private List<ViewerRecord> _viewers = [];

    public UsageMeter(TimeProvider time, PlaybackMetrics metrics)
    {
        _time = time;
        _metrics = metrics;
    }

    /// <summary>Set by the flusher once it holds the metering folder; records before that are memory-only.</summary>
    internal void UseJournal(UsageJournal journal)
    {
        lock (_gate)
        {
            _journal = journal;
        }
    }

    public void Record(string tenant, string stream, string sessionId, string api, long bytes, bool success, TimeSpan latency)
    {
        var now = _time.GetUtcNow();
        var key = new UsageKey(tenant, stream, sessionId, api, new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero));
        var micros = (long)latency.TotalMicroseconds;
        lock (_gate)
        {
            if (!_pending.TryGetValue(key, out var counts))
            {
                _pending[key] = counts = new UsageCounts();
            }

            counts.Add(bytes, 1, success ? 1 : 0, micros);
            _journal?.Append(key, bytes, success, micros);
        }

        _metrics.Record(tenant, stream, api, bytes, success, latency);
    }

    /// <summary>Adds a viewer record to the current batch (and its journal segment).</summary>
    public void RecordViewer(ViewerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            _viewers.Add(record);
            _journal?.AppendViewer(record);
        }
    }

    /// <summary>Takes everything counted so far as one batch (with its journal segment); later records start a new one.</summary>
    public (UsageBatch Batch, string? JournalSegment)? Drain()
    {
        lock (_gate)
        {
            if (_pending.Count == 0 && _viewers.Count == 0)
            {
                return null;
            }

            var counts = _pending;
            var viewers = _viewers;
            _pending = [];
            _viewers = [];
            var segment = _journal?.Rotate();
            return (new UsageBatch(segment?.Id ?? Guid.NewGuid(), counts, viewers), segment?.Path);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _journal?.Dispose();
        }
    }
}
