using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsGateway.Emulator.Storage;

/// <summary>
/// Deletes fragments past their stream's retention (<c>DataRetentionInHours</c>) in the background,
/// from the index, the disk and what sessions list, while streams keep being written.
/// </summary>
public sealed partial class RetentionService : BackgroundService
{
    private readonly StreamStore _store;
    private readonly EmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RetentionService> _logger;
    private PeriodicTimer? _timer;

    public RetentionService(StreamStore store, IOptions<EmulatorOptions> options, TimeProvider time, ILogger<RetentionService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // On the emulator's clock, like every KVS rule it keeps; started with the service, so the
        // first sweep is one interval after start whenever the sweeping task gets to run.
        _timer = new PeriodicTimer(_options.RetentionSweepInterval, _time);
        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var timer = _timer!;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var removed = await _store.ApplyRetentionAsync(stoppingToken).ConfigureAwait(false);
                    if (removed > 0)
                    {
                        LogRemoved(_logger, removed);
                    }
                }
                catch (IOException ex)
                {
                    LogFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Retention removed {Count} fragments")]
    private static partial void LogRemoved(ILogger logger, int count);

    [LoggerMessage(2, LogLevel.Warning, "Retention sweep failed; it is retried at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
