using System.Globalization;
using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.Media.Matroska;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsGateway.Emulator.Ingest;

/// <summary>
/// <c>POST /putMedia</c>: reads the Matroska body one Cluster at a time and answers with one JSON
/// ACK per line as each fragment is buffered, received and persisted.
/// </summary>
public sealed partial class PutMediaHandler
{
    private readonly StreamStore _store;
    private readonly TimeProvider _time;
    private readonly EmulatorOptions _options;
    private readonly ILogger<PutMediaHandler> _logger;

    public PutMediaHandler(StreamStore store, TimeProvider time, IOptions<EmulatorOptions> options, ILogger<PutMediaHandler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var identity = StreamIdentity.Parse(NullIfEmpty(request.Headers["x-amzn-stream-name"]), NullIfEmpty(request.Headers["x-amzn-stream-arn"]));
        _store.Get(identity);

        var timecodeType = request.Headers["x-amzn-fragment-timecode-type"].ToString();
        if (timecodeType is not ("ABSOLUTE" or "RELATIVE"))
        {
            throw KvsException.InvalidArgument("The x-amzn-fragment-timecode-type header must be ABSOLUTE or RELATIVE.");
        }

        var producerStart = _time.GetUtcNow();
        var startHeader = request.Headers["x-amzn-producer-start-timestamp"].ToString();
        if (startHeader.Length > 0)
        {
            if (!decimal.TryParse(startHeader, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || seconds > 253_402_300_799m)
            {
                throw KvsException.InvalidArgument("The x-amzn-producer-start-timestamp header must be epoch seconds.");
            }

            producerStart = DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await response.StartAsync(context.RequestAborted).ConfigureAwait(false);

        var acks = new AckWriter(response, _time, _options.PutMediaIdleInterval, context.RequestAborted);
        await using (acks.ConfigureAwait(false))
        {
            await IngestAsync(context, identity, timecodeType, producerStart, acks).ConfigureAwait(false);
        }
    }

    private async Task IngestAsync(HttpContext context, StreamIdentity identity, string timecodeType, DateTimeOffset producerStart, AckWriter acks)
    {
        var reader = new MatroskaReader(context.Request.Body, new MatroskaReaderOptions { MaxClusterBytes = _options.MaxFragmentBytes });
        reader.ClusterStarted = (timecode, cancellationToken) => new ValueTask(acks.WriteAsync(
            new PutMediaAck { EventType = PutMediaEventTypes.Buffering, FragmentTimecode = TimecodeMs(timecode, reader.Header) },
            cancellationToken));
        DateTimeOffset? previous = null;
        var persisted = 0;
        while (true)
        {
            MatroskaCluster? cluster;
            try
            {
                cluster = await reader.ReadClusterAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (MatroskaFormatException ex)
            {
                LogRejected(_logger, identity.Name, ex.Message);
                await acks.WriteAsync(new PutMediaAck { EventType = PutMediaEventTypes.Error, ErrorId = PutMediaErrorIds.For(ex.Error), ErrorMessage = ex.Message }, context.RequestAborted).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is IOException or BadHttpRequestException)
            {
                // The producer went away mid-fragment: only that fragment is lost.
                LogDisconnected(_logger, identity.Name, persisted);
                return;
            }

            if (cluster is null)
            {
                return;
            }

            var offsetMs = TimecodeMs(cluster.Timecode, cluster.Header);
            var timecodeMs = offsetMs;
            var producerTimestamp = timecodeType == "ABSOLUTE"
                ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(offsetMs, 0, 253_402_300_799_000))
                : producerStart.AddMilliseconds(offsetMs);

            if (previous is { } last && producerTimestamp < last)
            {
                await acks.WriteAsync(new PutMediaAck { EventType = PutMediaEventTypes.Error, FragmentTimecode = timecodeMs, ErrorId = PutMediaErrorIds.FragmentTimecodeLesserThanPrevious, ErrorMessage = "The fragment timecode is lower than the previous fragment's." }, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            previous = producerTimestamp;
            await acks.WriteAsync(new PutMediaAck { EventType = PutMediaEventTypes.Received, FragmentTimecode = timecodeMs }, context.RequestAborted).ConfigureAwait(false);
            FragmentIndexEntry entry;
            try
            {
                entry = await _store.AppendAsync(identity, cluster, producerTimestamp, CancellationToken.None).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                LogStoreFailure(_logger, ex, identity.Name);
                await acks.WriteAsync(new PutMediaAck { EventType = PutMediaEventTypes.Error, FragmentTimecode = timecodeMs, ErrorId = PutMediaErrorIds.ArchivalError, ErrorMessage = "The fragment could not be stored." }, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            persisted++;
            await acks.WriteAsync(new PutMediaAck { EventType = PutMediaEventTypes.Persisted, FragmentTimecode = timecodeMs, FragmentNumber = entry.FragmentNumber }, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues value) => value.Count == 0 || string.IsNullOrEmpty(value[0]) ? null : value[0];

    private static long TimecodeMs(long timecode, MatroskaSegmentHeader? header) =>
        (long)((Int128)timecode * (header?.TimecodeScaleNs ?? 1_000_000) / 1_000_000);

    [LoggerMessage(1, LogLevel.Warning, "PutMedia to {Stream} rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string stream, string reason);

    [LoggerMessage(2, LogLevel.Information, "PutMedia producer for {Stream} disconnected after {Persisted} fragments")]
    private static partial void LogDisconnected(ILogger logger, string stream, int persisted);

    [LoggerMessage(3, LogLevel.Error, "Storing a fragment of {Stream} failed")]
    private static partial void LogStoreFailure(ILogger logger, Exception exception, string stream);
}
