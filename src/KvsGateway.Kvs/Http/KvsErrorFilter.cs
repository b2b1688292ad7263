using KvsGateway.Kvs.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KvsGateway.Kvs.Http;

/// <summary>
/// A step that turns a <see cref="KvsException"/> of the steps after it into the KVS error response,
/// where the steps before it (metering) still see the response go out. Unexpected failures are
/// answered here too (<c>InternalFailure</c>), not left to <see cref="KvsErrorMiddleware"/>: its
/// answer would go out after metering has finished, billed to no one.
/// </summary>
public sealed partial class KvsErrorFilter : IEndpointFilter
{
    private readonly IKvsErrorTranslator[] _translators;
    private readonly ILogger<KvsErrorFilter> _logger;

    public KvsErrorFilter(IEnumerable<IKvsErrorTranslator> translators, ILogger<KvsErrorFilter> logger)
    {
        _translators = [.. translators];
        _logger = logger;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (KvsException ex)
        {
            await KvsErrorResponder.WriteAsync(context.HttpContext, ex).ConfigureAwait(false);
            return Results.Empty;
        }
        catch (Exception ex) when (KvsErrorMiddleware.Translate(_translators, ex) is { } translated && !context.HttpContext.Response.HasStarted)
        {
            await KvsErrorResponder.WriteAsync(context.HttpContext, translated).ConfigureAwait(false);
            return Results.Empty;
        }
        catch (BadHttpRequestException ex)
        {
            await KvsErrorResponder.WriteAsync(context.HttpContext, KvsException.InvalidArgument(ex.Message)).ConfigureAwait(false);
            return Results.Empty;
        }
#pragma warning disable CA1031 // Every failure must still answer as KVS, inside the metered steps.
        catch (Exception ex) when (ex is not OperationCanceledException || !context.HttpContext.RequestAborted.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogUnexpected(_logger, ex, context.HttpContext.Request.Path, KvsErrorResponder.GetRequestId(context.HttpContext));
            await KvsErrorResponder.WriteAsync(context.HttpContext, KvsException.Unexpected()).ConfigureAwait(false);
            return Results.Empty;
        }
    }

    [LoggerMessage(1, LogLevel.Error, "Unexpected failure for {Path}, request {RequestId}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, PathString path, string requestId);
}
