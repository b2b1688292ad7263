using KvsGateway.Kvs.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KvsGateway.Kvs.Http;

/// <summary>
/// Every response carries a request id; a <see cref="KvsException"/> becomes its KVS error, a failure
/// an <see cref="IKvsErrorTranslator"/> knows becomes the error it names, and anything unexpected
/// becomes a KVS <c>InternalFailure</c> rather than a bare 500 page.
/// </summary>
public sealed partial class KvsErrorMiddleware
{
    private readonly RequestDelegate _next;
    private readonly IKvsErrorTranslator[] _translators;
    private readonly ILogger<KvsErrorMiddleware> _logger;

    public KvsErrorMiddleware(RequestDelegate next, IEnumerable<IKvsErrorTranslator> translators, ILogger<KvsErrorMiddleware> logger)
    {
        _next = next;
        _translators = [.. translators];
        _logger = logger;
    }

    /// <summary>The KVS error a translator gives <paramref name="exception"/>, or null.</summary>
    internal static KvsException? Translate(IKvsErrorTranslator[] translators, Exception exception)
    {
        foreach (var translator in translators)
        {
            if (translator.Translate(exception) is { } translated)
            {
                return translated;
            }
        }

        return null;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.OnStarting(static state =>
        {
            var ctx = (HttpContext)state;
            if (!ctx.Response.Headers.ContainsKey(KvsErrorResponder.RequestIdHeader))
            {
                KvsErrorResponder.WriteRequestIdHeaders(ctx);
            }

            return Task.CompletedTask;
        }, context);

        try
        {
            await _next(context).ConfigureAwait(false);
        }
        catch (KvsException ex)
        {
            LogKvsError(_logger, ex.ErrorType, ex.StatusCode, context.Request.Path, KvsErrorResponder.GetRequestId(context));
            await KvsErrorResponder.WriteAsync(context, ex).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (BadHttpRequestException ex)
        {
            await KvsErrorResponder.WriteAsync(context, KvsException.InvalidArgument(ex.Message)).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(_translators, ex) is { } translated && !context.Response.HasStarted)
        {
            LogTranslated(_logger, ex, translated.ErrorType, context.Request.Path, KvsErrorResponder.GetRequestId(context));
            await KvsErrorResponder.WriteAsync(context, translated).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The last line of defence: every failure must still answer as KVS.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogUnexpected(_logger, ex, context.Request.Path, KvsErrorResponder.GetRequestId(context));
            await KvsErrorResponder.WriteAsync(context, KvsException.Unexpected()).ConfigureAwait(false);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "KVS error {ErrorType} ({StatusCode}) for {Path}, request {RequestId}")]
    private static partial void LogKvsError(ILogger logger, string errorType, int statusCode, PathString path, string requestId);

    [LoggerMessage(3, LogLevel.Warning, "A dependency failed for {Path} (answered {ErrorType}), request {RequestId}")]
    private static partial void LogTranslated(ILogger logger, Exception exception, string errorType, PathString path, string requestId);

    [LoggerMessage(2, LogLevel.Error, "Unexpected failure for {Path}, request {RequestId}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, PathString path, string requestId);
}
