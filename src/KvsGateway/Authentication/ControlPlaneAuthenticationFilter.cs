using KvsGateway.Kvs.Http;

namespace KvsGateway.Authentication;

/// <summary>
/// The first step of every control-plane call: read the (bounded) body the signature covers and
/// find the tenant behind it, or answer as AWS does. The endpoint reads the result as a
/// <see cref="ControlPlaneCaller"/> feature.
/// </summary>
public sealed class ControlPlaneAuthenticationFilter : IEndpointFilter
{
    private readonly ControlPlaneAuthenticator _authenticator;

    public ControlPlaneAuthenticationFilter(ControlPlaneAuthenticator authenticator)
    {
        _authenticator = authenticator;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var body = await KvsRequestReader.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        var tenant = await _authenticator.AuthenticateAsync(http, body).ConfigureAwait(false);
        http.Features.Set(new ControlPlaneCaller(tenant, body));
        return await next(context).ConfigureAwait(false);
    }
}
