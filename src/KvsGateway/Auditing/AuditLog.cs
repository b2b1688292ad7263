using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace KvsGateway.Auditing;

/// <summary>
/// Appends audit records as JSON lines to a sink of their own (a file by default), each record one
/// whole line in one write, so nothing else writing to the same output can split it. Callers only
/// enqueue; one background writer does the I/O, so a slow disk never holds a request. There are two queues: records of what callers can cause
/// at will (authentication failures, quota rejections) go to a bounded one that drops when full,
/// while records of what changed (sessions created and revoked, tenants disabled and enabled) go to
/// one that is never dropped from: its writers wait for room instead. Whatever an unauthenticated
/// flood does to the first queue, the second is written. Records still queued are written on shutdown.
/// </summary>
public sealed partial class AuditLog : BackgroundService
{
    private readonly Channel<AuditEvent> _kept;
    private readonly Channel<AuditEvent> _droppable;
    private readonly AuditOptions _options;
    private readonly string _contentRoot;
    private readonly ILogger<AuditLog> _logger;
    private long _dropped;

    public AuditLog(IOptions<AuditOptions> options, IHostEnvironment environment, ILogger<AuditLog> logger)
        : this(options, environment?.ContentRootPath ?? throw new ArgumentNullException(nameof(environment)), logger, capacity: 65_536)
    {
    }

    internal AuditLog(IOptions<AuditOptions> options, string contentRoot, ILogger<AuditLog> logger, int capacity)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _contentRoot = contentRoot;
        _logger = logger;
        _kept = Channel.CreateBounded<AuditEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _droppable = Channel.CreateBounded<AuditEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    }

    /// <summary>A record of something a caller can repeat at will; dropped (and counted) while the queue is full.</summary>
    public void Write(AuditEvent record)
    {
        if (_options.Enabled && !_droppable.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>A record of a change (a session created or revoked, a tenant disabled): never dropped; waits while the queue is full.</summary>
    public ValueTask RecordAsync(AuditEvent record, CancellationToken cancellationToken = default) =>
        _options.Enabled ? _kept.Writer.WriteAsync(record, cancellationToken) : ValueTask.CompletedTask;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _kept.Writer.TryComplete();
        _droppable.Writer.TryComplete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var output = OpenSink();
        var line = new ArrayBufferWriter<byte>(1024);
        using var json = new Utf8JsonWriter(line);

        // Drains until both queues are completed at shutdown, so nothing enqueued is lost to a stop;
        // kept records go first whenever both have some.
        while (true)
        {
            if (!_kept.Reader.TryRead(out var record) && !_droppable.Reader.TryRead(out record))
            {
                // A reader's Completion ends once its queue is completed and drained.
                var waits = new List<Task<bool>>(2);
                foreach (var reader in new[] { _kept.Reader, _droppable.Reader })
                {
                    if (!reader.Completion.IsCompleted)
                    {
                        waits.Add(reader.WaitToReadAsync(CancellationToken.None).AsTask());
                    }
                }

                if (waits.Count == 0)
                {
                    break;
                }

                await Task.WhenAny(waits).ConfigureAwait(false);
                continue;
            }

            line.ResetWrittenCount();
            json.Reset();
            JsonSerializer.Serialize(json, record, AuditingJsonContext.Default.AuditEvent);
            line.Write("\n"u8);
            await output.WriteAsync(line.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
            if (_kept.Reader.Count == 0 && _droppable.Reader.Count == 0)
            {
                await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }

            if (Interlocked.Exchange(ref _dropped, 0) is > 0 and var dropped)
            {
                LogDropped(_logger, dropped);
            }
        }

        await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private Stream OpenSink()
    {
        if (_options.Path == AuditOptions.StandardOutput)
        {
            return Console.OpenStandardOutput();
        }

        var path = System.IO.Path.GetFullPath(_options.Path, _contentRoot);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);

        // No buffer of our own: each record goes out in one write, whole.
        return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0, useAsync: true);
    }

    [LoggerMessage(1, LogLevel.Warning, "{Count} audit records of failed or refused calls were dropped: the audit queue was full")]
    private static partial void LogDropped(ILogger logger, long count);
}
