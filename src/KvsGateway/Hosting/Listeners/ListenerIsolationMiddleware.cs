namespace KvsGateway.Hosting.Listeners;

/// <summary>
/// Keeps the two listeners apart, right after routing: an endpoint answers only on the listeners its
/// <see cref="ListenerMetadata"/> names (the public one when it names none), and the management
/// listener serves nothing but its endpoints (no static files, no fallbacks). Anything else is a
/// plain 404, as for a path that does not exist. The listener is known from the connection, never
/// from anything the client sends.
/// </summary>
public sealed class ListenerIsolationMiddleware
{
    private readonly RequestDelegate _next;

    public ListenerIsolationMiddleware(RequestDelegate next)
    {
        _next = next;
    }

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var arrivedOn = context.Features.Get<ListenerConnectionFeature>()?.Listener ?? GatewayListener.Public;
        var endpoint = context.GetEndpoint();
        var allowed = endpoint?.Metadata.GetMetadata<ListenerMetadata>()?.Listeners ?? GatewayListener.Public;
        if ((endpoint is null && arrivedOn == GatewayListener.Management) || (endpoint is not null && (allowed & arrivedOn) == 0))
        {
            context.SetEndpoint(null);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return _next(context);
    }
}
