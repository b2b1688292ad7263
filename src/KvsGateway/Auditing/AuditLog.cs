using System.Text.Json;
using System.Threading.Channels;
using KvsGateway.Sessions;
using Microsoft.Extensions.Options;

namespace KvsGateway.Auditing;

/// <summary>
/// Appends audit records as JSON lines. Callers only enqueue; one background writer does the I/O,
/// so a slow disk never holds a request. Records still queued are written on shutdown.
/// </summary>
public sealed partial class AuditLog : BackgroundService
{
    private readonly Channel<AuditEvent> _queue = Channel.CreateBounded<AuditEvent>(new BoundedChannelOptions(65_536)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private readonly AuditOptions _options;
    private readonly ILogger<AuditLog> _logger;
    private long _dropped;

    public AuditLog(IOptions<AuditOptions> options, ILogger<AuditLog> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
    }

    public void Write(AuditEvent record)
    {
        if (_options.Enabled && !_queue.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var output = string.IsNullOrEmpty(_options.Path)
            ? Console.OpenStandardOutput()
            : new FileStream(_options.Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 4096, useAsync: true);
        var newline = "\n"u8.ToArray();

        // Drains until the queue is completed at shutdown, so nothing enqueued is lost to a stop.
        await foreach (var record in _queue.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(output, record, GatewayJsonContext.Default.AuditEvent, CancellationToken.None).ConfigureAwait(false);
            await output.WriteAsync(newline, CancellationToken.None).ConfigureAwait(false);
            if (_queue.Reader.Count == 0)
            {
                await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }

            if (Interlocked.Exchange(ref _dropped, 0) is > 0 and var dropped)
            {
                LogDropped(_logger, dropped);
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "{Count} audit records were dropped: the audit queue was full")]
    private static partial void LogDropped(ILogger logger, long count);
}
