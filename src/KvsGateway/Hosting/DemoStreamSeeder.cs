using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;
using Microsoft.Extensions.Options;

namespace KvsGateway.Hosting;

/// <summary>
/// Creates the demo stream on the origin and ingests the sample through PutMedia when it has no
/// fragment from the last hour, then marks the gateway ready.
/// </summary>
public sealed partial class DemoStreamSeeder : BackgroundService
{
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

        try
        {
            await SeedAsync(options, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KvsException or IOException or HttpRequestException)
        {
            LogSeedFailed(_logger, ex, options.StreamName);
        }

        _readiness.MarkReady();
    }

    private async Task SeedAsync(DemoOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await _origin.DescribeStreamAsync(new DescribeStreamInput { StreamName = options.StreamName }, cancellationToken).ConfigureAwait(false);
        }
        catch (KvsException ex) when (ex.ErrorType == KvsErrorTypes.ResourceNotFound)
        {
            await _origin.CreateStreamAsync(new CreateStreamInput { StreamName = options.StreamName, DataRetentionInHours = options.DataRetentionInHours, MediaType = "video/h264" }, cancellationToken).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        var recent = await _origin.ListFragmentsAsync(
            new ListFragmentsInput
            {
                StreamName = options.StreamName,
                MaxResults = 1,
                FragmentSelector = new FragmentSelector { FragmentSelectorType = "SERVER_TIMESTAMP", TimestampRange = new TimestampRange { StartTimestamp = now.AddHours(-1), EndTimestamp = now } },
            },
            cancellationToken).ConfigureAwait(false);
        if (recent.Fragments.Count > 0)
        {
            return;
        }

        var path = Path.Combine(AppContext.BaseDirectory, options.SampleFile);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            var persisted = 0;
            await foreach (var ack in _origin.PutMediaAsync(new PutMediaRequest { StreamName = options.StreamName, Body = file, ProducerStartTimestamp = now }, cancellationToken).ConfigureAwait(false))
            {
                if (ack.EventType == PutMediaEventTypes.Persisted)
                {
                    persisted++;
                }
                else if (ack.EventType == PutMediaEventTypes.Error)
                {
                    throw new IOException($"PutMedia refused the demo sample: {ack.ErrorId} {ack.ErrorMessage}");
                }
            }

            LogSeeded(_logger, options.StreamName, persisted);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Demo stream {Stream} ready with {Fragments} new fragments")]
    private static partial void LogSeeded(ILogger logger, string stream, int fragments);

    [LoggerMessage(2, LogLevel.Error, "Preparing demo stream {Stream} failed")]
    private static partial void LogSeedFailed(ILogger logger, Exception exception, string stream);
}
