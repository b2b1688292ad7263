using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsGateway.Emulator.Storage;

/// <summary>Deletes fragments past their stream's retention in the background.</summary>
public sealed partial class RetentionService : BackgroundService
{
    private readonly StreamStore _store;
    private readonly EmulatorOptions _options;
    private readonly ILogger<RetentionService> _logger;

    public RetentionService(StreamStore store, IOptions<EmulatorOptions> options, ILogger<RetentionService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options.Value;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.RetentionSweepInterval);
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
