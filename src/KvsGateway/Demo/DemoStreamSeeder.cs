using KvsGateway.Health;
using KvsGateway.Ingest;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;
using Microsoft.Extensions.Options;

namespace KvsGateway.Demo;

/// <summary>
/// Keeps the demo stream live: creates it on the origin when missing and loops the sample through
/// PutMedia in real time for as long as the gateway runs. The gateway is ready once the first
/// fragment is persisted, so LIVE and ON_DEMAND both have something to play right after start.
/// </summary>
public sealed partial class DemoStreamSeeder : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly KvsClient _origin;
    private readonly IOptions<DemoOptions> _options;
    private readonly GatewayReadiness _readiness;
    private readonly TimeProvider _time;
    private readonly ILogger<DemoStreamSeeder> _logger;

    public DemoStreamSeeder(KvsClient origin, IOptions<DemoOptions> options, GatewayReadiness readiness, TimeProvider time, ILogger<DemoStreamSeeder> logger)
    {
        _origin = origin;
        _options = options;
        _readiness = readiness;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = _options.Value;
        if (!options.Enabled)
        {
            _readiness.MarkReady();
            return;
        }

        var sample = Path.Combine(AppContext.BaseDirectory, options.SampleFile);
        var ingest = new MediaFileIngest(_origin, TimeProvider.System);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureStreamAsync(options, stoppingToken).ConfigureAwait(false);
                LogLooping(_logger, options.StreamName, sample);
                await ingest.RunAsync(options.StreamName, sample, realtime: true, loop: true, ack =>
                {
                    if (ack.EventType == PutMediaEventTypes.Persisted)
                    {
                        _readiness.MarkReady();
                    }
                    else if (ack.EventType == PutMediaEventTypes.Error)
                    {
                        LogAckError(_logger, options.StreamName, ack.ErrorId ?? 0, ack.ErrorMessage ?? string.Empty);
                    }
                }, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is KvsException or IOException or HttpRequestException or Media.Matroska.MatroskaFormatException)
            {
                LogFailed(_logger, ex, options.StreamName);
            }

            // A demo that cannot run must not keep the gateway unready forever.
            _readiness.MarkReady();
            await Task.Delay(RetryDelay, _time, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task EnsureStreamAsync(DemoOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await _origin.DescribeStreamAsync(new DescribeStreamInput { StreamName = options.StreamName }, cancellationToken).ConfigureAwait(false);
        }
        catch (KvsException ex) when (ex.ErrorType == KvsErrorTypes.ResourceNotFound)
        {
            await _origin.CreateStreamAsync(new CreateStreamInput { StreamName = options.StreamName, DataRetentionInHours = options.DataRetentionInHours, MediaType = "video/h264" }, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Demo stream {Stream} is live, looping {Sample} in real time")]
    private static partial void LogLooping(ILogger logger, string stream, string sample);

    [LoggerMessage(2, LogLevel.Warning, "Demo stream {Stream} ingest ended with error {ErrorId}: {Message}")]
    private static partial void LogAckError(ILogger logger, string stream, int errorId, string message);

    [LoggerMessage(3, LogLevel.Error, "Demo stream {Stream} ingest failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception exception, string stream);
}
