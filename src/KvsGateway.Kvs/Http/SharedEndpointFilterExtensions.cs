using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KvsGateway.Kvs.Http;

/// <summary>
/// Endpoint filters made once per endpoint from the application's services. ASP.NET Core's
/// <c>AddEndpointFilter&lt;T&gt;</c> activates the filter, and resolves every service of its
/// constructor, for each request; the gateway's filters hold only singletons and no per-request
/// state, so one instance serves every request of the endpoint.
/// </summary>
public static class SharedEndpointFilterExtensions
{
    public static RouteGroupBuilder AddSharedEndpointFilter<TFilter>(this RouteGroupBuilder builder)
        where TFilter : IEndpointFilter => Add<RouteGroupBuilder, TFilter>(builder);

    public static RouteHandlerBuilder AddSharedEndpointFilter<TFilter>(this RouteHandlerBuilder builder)
        where TFilter : IEndpointFilter => Add<RouteHandlerBuilder, TFilter>(builder);

    private static TBuilder Add<TBuilder, TFilter>(TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
        where TFilter : IEndpointFilter
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddEndpointFilterFactory(static (context, next) =>
        {
            var filter = ActivatorUtilities.CreateInstance<TFilter>(context.ApplicationServices);
            return invocation => filter.InvokeAsync(invocation, next);
        });
    }
}
