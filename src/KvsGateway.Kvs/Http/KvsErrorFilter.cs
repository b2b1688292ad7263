using KvsGateway.Kvs.Errors;
using Microsoft.AspNetCore.Http;

namespace KvsGateway.Kvs.Http;

/// <summary>
/// A step that turns a <see cref="KvsException"/> of the steps after it into the KVS error response,
/// where the steps before it (metering) still see the response go out.
/// </summary>
public sealed class KvsErrorFilter : IEndpointFilter
{
    private readonly IKvsErrorTranslator[] _translators;

    public KvsErrorFilter(IEnumerable<IKvsErrorTranslator> translators)
    {
        _translators = [.. translators];
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
    }
}
