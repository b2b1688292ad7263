using StackExchange.Redis;

namespace KvsGateway.Metering;

/// <summary>
/// Moves usage to Redis at least once a second and on shutdown: closes the journal's segment and
/// applies every closed segment, oldest first, deleting each once applied. While Redis is away the
/// segments wait on disk and are replayed in order once it answers; at start, the segments left by a
/// killed run are replayed the same way. A batch's id is its segment's, so replaying never bills twice.
/// </summary>
public sealed partial class UsageFlusher : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly UsageMeter _meter;
    private readonly UsageStore _store;
    private readonly ILogger<UsageFlusher> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FileStream? _folderLock;

    public UsageFlusher(UsageMeter meter, UsageStore store, ILogger<UsageFlusher> logger)
    {
        _meter = meter;
        _store = store;
        _logger = logger;
    }

    /// <summary>Closed segments still waiting for Redis (for operators and tests).</summary>
    public int PendingSegments => _meter.ClosedSegments().Count;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _folderLock = new FileStream(Path.Combine(_meter.Folder, "gateway.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"Metering:Path {_meter.Folder} is in use by another gateway; give each replica a folder of its own.", ex);
        }

        if (_meter.ClosedSegments() is { Count: > 0 } leftovers)
        {
            LogRecovering(_logger, leftovers.Count);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the current segment and applies every closed one Redis takes, in order.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _meter.CloseSegment();
            foreach (var (id, path) in _meter.ClosedSegments())
            {
                var batch = await UsageJournal.ReadAsync(id, path, cancellationToken).ConfigureAwait(false);
                if (!batch.IsEmpty && !await TryApplyAsync(batch).ConfigureAwait(false))
                {
                    // In order: the later segments wait with this one.
                    return;
                }

                File.Delete(path);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // The server has drained in-flight requests by now; what they counted goes to Redis, or
        // stays in its segment for the next start. The meter belongs to the container, which disposes it.
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        _folderLock?.Dispose();
    }

    public override void Dispose()
    {
        _gate.Dispose();
        _folderLock?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Flushing follows the wall clock, whatever clock the business rules are tested with.
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await FlushAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    // The segments stay on disk and are applied at a later flush or the next start.
                    LogFlushFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> TryApplyAsync(UsageBatch batch)
    {
        try
        {
            await _store.ApplyAsync(batch).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogApplyFailed(_logger, ex, batch.Id);
            return false;
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Usage batch {BatchId} could not be written to Redis; its journal segment waits and is replayed when Redis answers")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception, Guid batchId);

    [LoggerMessage(3, LogLevel.Warning, "Replaying {Count} journal segments left by an earlier run")]
    private static partial void LogRecovering(ILogger logger, int count);

    [LoggerMessage(4, LogLevel.Error, "Flushing usage failed; the journal segments stay on disk")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
