using Microsoft.Extensions.Options;

namespace KvsGateway.Metering;

/// <summary>
/// The hot-path side of metering: a journal line per request (under a lock, no Redis round trip)
/// and the request's metrics. The flusher closes the journal's segment each second and applies the
/// closed segments to Redis.
/// </summary>
public sealed class UsageMeter : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly PlaybackMetrics _metrics;
    private readonly UsageJournal _journal;

    public UsageMeter(TimeProvider time, PlaybackMetrics metrics, IOptions<MeteringOptions> options, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        _time = time;
        _metrics = metrics;
        Folder = Path.GetFullPath(options.Value.Path, environment.ContentRootPath);
        Directory.CreateDirectory(Folder);
        _journal = new UsageJournal(Folder);
    }

    /// <summary>This replica's metering folder (its journal segments).</summary>
    public string Folder { get; }

    public void Record(string tenant, string stream, string sessionId, string api, long bytes, bool success, TimeSpan latency)
    {
        var now = _time.GetUtcNow();
        var key = new UsageKey(tenant, stream, sessionId, api, new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero));
        lock (_gate)
        {
            _journal.Append(key, bytes, success, (long)latency.TotalMicroseconds);
        }

        _metrics.Record(tenant, stream, api, bytes, success, latency);
    }

    /// <summary>Adds a viewer record to the current segment.</summary>
    public void RecordViewer(ViewerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            _journal.AppendViewer(record);
        }
    }

    /// <summary>Closes the current segment; what is recorded next starts another.</summary>
    public void CloseSegment()
    {
        IReadOnlyList<JournalSegment> segments;
        lock (_gate)
        {
            segments = _journal.Detach();
        }

        UsageJournal.Seal(segments);
    }

    /// <summary>The closed segments waiting to be applied, oldest first.</summary>
    public IReadOnlyList<(Guid Id, string Path)> ClosedSegments()
    {
        lock (_gate)
        {
            return _journal.ClosedSegments();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _journal.Dispose();
        }
    }
}
