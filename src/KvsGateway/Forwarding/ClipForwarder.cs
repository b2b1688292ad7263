using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Wire;
using KvsGateway.Origins;
using Microsoft.Extensions.Options;

namespace KvsGateway.Forwarding;

/// <summary>
/// GetClip through the gateway: the origin's MP4 streamed to the caller as it arrives (a clip may be
/// 100 MB; it is never held whole). An origin error before the body becomes the same KVS error; an
/// origin that goes idle for <see cref="OriginOptions.ActivityTimeout"/> during the body ends the
/// connection, the only honest signal once bytes are out.
/// </summary>
public sealed partial class ClipForwarder
{
    private readonly KvsClient _origin;
    private readonly IOptionsMonitor<OriginOptions> _options;
    private readonly ILogger<ClipForwarder> _logger;

    public ClipForwarder(KvsClient origin, IOptionsMonitor<OriginOptions> options, ILogger<ClipForwarder> logger)
    {
        _origin = origin;
        _options = options;
        _logger = logger;
    }

    /// <summary>Sends the origin's clip for <paramref name="input"/> to <paramref name="response"/>; <paramref name="started"/> runs once the origin has accepted.</summary>
    public async Task ForwardAsync(GetClipInput input, HttpResponse response, Action started, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(started);
        using var answer = await _origin.GetClipAsync(input, cancellationToken).ConfigureAwait(false);
        started();
        var contentType = answer.Content.Headers.ContentType?.MediaType;
        response.ContentType = contentType is { Length: > 0 and <= 128 } ? contentType : "video/mp4";
        response.ContentLength = answer.Content.Headers.ContentLength;
        var timeout = _options.CurrentValue.ActivityTimeout;
        using var activity = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await response.StartAsync(cancellationToken).ConfigureAwait(false);
            var source = await answer.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                var writer = response.BodyWriter;
                while (true)
                {
                    activity.CancelAfter(timeout);
                    var read = await source.ReadAsync(writer.GetMemory(64 * 1024), activity.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    writer.Advance(read);
                    var flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (flushed.IsCompleted || flushed.IsCanceled)
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller went away; the origin read stops with it.
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            LogOriginFailed(_logger, ex);
            response.HttpContext.Abort();
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "The origin failed a clip while it was being sent")]
    private static partial void LogOriginFailed(ILogger logger, Exception exception);
}
