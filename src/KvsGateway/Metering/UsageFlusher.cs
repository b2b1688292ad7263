using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace KvsGateway.Metering;

/// <summary>
/// Moves the meter's counts to Redis at least once a second and on shutdown, as idempotent batches.
/// While Redis is unreachable batches go to the spool, which is replayed in order once it answers.
/// At start, journal segments left by a killed run become spooled batches under their own ids.
/// </summary>
public sealed partial class UsageFlusher : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly UsageMeter _meter;
    private readonly UsageStore _store;
    private readonly EmfWriter _emf;
    private readonly MeteringOptions _options;
    private readonly IHostEnvironment _environment;
    private readonly ILogger<UsageFlusher> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FileStream? _folderLock;
    private UsageJournal? _journal;
    private UsageSpool? _spool;

    public UsageFlusher(UsageMeter meter, UsageStore store, EmfWriter emf, IOptions<MeteringOptions> options, IHostEnvironment environment, ILogger<UsageFlusher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _meter = meter;
        _store = store;
        _emf = emf;
        _options = options.Value;
        _environment = environment;
        _logger = logger;
    }

    /// <summary>The spool of this replica (for operators and tests).</summary>
    public UsageSpool Spool => _spool ?? throw new InvalidOperationException("The flusher has not started.");

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(_options.Path, _environment.ContentRootPath);
        Directory.CreateDirectory(folder);
        try
        {
            _folderLock = new FileStream(Path.Combine(folder, "gateway.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"Metering:Path {folder} is in use by another gateway; give each replica a folder of its own.", ex);
        }

        _spool = new UsageSpool(folder);
        foreach (var (id, path) in UsageJournal.FindLeftovers(folder))
        {
            var batch = await UsageJournal.ReadAsync(id, path, cancellationToken).ConfigureAwait(false);
            if (batch.Counts.Count > 0)
            {
                await _spool.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
                LogRecovered(_logger, id, batch.Counts.Sum(c => c.Value.Requests));
            }

            File.Delete(path);
        }

        _journal = new UsageJournal(folder);
        _meter.UseJournal(_journal);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Flushes what the meter holds, then replays the spool if Redis answers.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var spool = Spool;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_meter.Drain() is { } drained)
            {
                await WriteEmfAsync(drained.Batch, cancellationToken).ConfigureAwait(false);

                // Spooled batches go first, so batches reach Redis in the order they were counted.
                var applied = !spool.HasBatches && await TryApplyAsync(drained.Batch).ConfigureAwait(false);
                if (!applied)
                {
                    await spool.AppendAsync(drained.Batch, cancellationToken).ConfigureAwait(false);
                }

                if (drained.JournalSegment is not null)
                {
                    File.Delete(drained.JournalSegment);
                }
            }

            if (spool.HasBatches)
            {
                await ReplaySpoolAsync(spool, cancellationToken).ConfigureAwait(false);
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
        if (_spool is not null)
        {
            // In-flight requests have been drained by the server by now; whatever they counted goes to Redis or the spool.
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _meter.Dispose();
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
                    // The counts stay in their journal segment and are recovered at the next start.
                    LogSpoolFailed(_logger, ex);
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

    private async Task ReplaySpoolAsync(UsageSpool spool, CancellationToken cancellationToken)
    {
        var batches = await spool.ReadAsync(cancellationToken).ConfigureAwait(false);
        foreach (var batch in batches)
        {
            if (!await TryApplyAsync(batch).ConfigureAwait(false))
            {
                return;
            }
        }

        spool.Clear();
        LogReplayed(_logger, batches.Count);
    }

    private async Task WriteEmfAsync(UsageBatch batch, CancellationToken cancellationToken)
    {
        try
        {
            await _emf.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            LogEmfFailed(_logger, ex);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Usage batch {BatchId} could not be written to Redis; it is spooled and replayed when Redis answers")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception, Guid batchId);

    [LoggerMessage(2, LogLevel.Information, "Replayed {Count} spooled usage batches")]
    private static partial void LogReplayed(ILogger logger, int count);

    [LoggerMessage(3, LogLevel.Warning, "Recovered usage batch {BatchId} ({Requests} requests) from the journal of an earlier run")]
    private static partial void LogRecovered(ILogger logger, Guid batchId, long requests);

    [LoggerMessage(4, LogLevel.Error, "Writing the usage spool failed; the counts stay in the journal")]
    private static partial void LogSpoolFailed(ILogger logger, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "Writing CloudWatch EMF metrics failed")]
    private static partial void LogEmfFailed(ILogger logger, Exception exception);
}
