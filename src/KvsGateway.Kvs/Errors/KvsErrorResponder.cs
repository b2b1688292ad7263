using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace KvsGateway.Kvs.Errors;

/// <summary>Writes a KVS error the way AWS does: status, error-type and request-id headers, JSON body.</summary>
public static class KvsErrorResponder
{
    public const string RequestIdHeader = "x-amzn-RequestId";

    /// <summary>The request id of this request, created once and echoed on every response.</summary>
    public static string GetRequestId(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(RequestIdHeader, out var existing) && existing is string id)
        {
            return id;
        }

        id = RequestIds.Next();
        context.Items[RequestIdHeader] = id;
        return id;
    }

    public static void WriteRequestIdHeaders(HttpContext context)
    {
        var id = GetRequestId(context);
        context.Response.Headers[RequestIdHeader] = id;
        context.Response.Headers["x-amz-RequestId"] = id;
    }

    public static async Task WriteAsync(HttpContext context, KvsException error)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(error);
        var response = context.Response;
        if (response.HasStarted)
        {
            // Nothing can be said once the body has begun; ending the connection is the honest signal.
            context.Abort();
            return;
        }

        response.Clear();
        response.StatusCode = error.StatusCode;
        WriteRequestIdHeaders(context);
        var errorType = $"{error.ErrorType}:{KvsErrorTypes.Namespace}";
        response.Headers["x-amzn-ErrorType"] = errorType;
        response.Headers["x-amz-ErrorType"] = errorType;
        if (error.RetryAfterSeconds is { } retry)
        {
            response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        response.ContentType = "application/json";
        var body = new KvsErrorBody { LowerMessage = error.Message, Message = error.Message };
        await JsonSerializer.SerializeAsync(response.Body, body, KvsErrorJsonContext.Default.KvsErrorBody, context.RequestAborted).ConfigureAwait(false);
    }
}
