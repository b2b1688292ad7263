using System.Text;
using KvsGateway.Hosting.Listeners;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KvsGateway.Health;

/// <summary>
/// <c>/healthz</c> (liveness, on both listeners): the gateway serves. <c>/readyz</c> (management
/// listener): Redis and the origin answer too; the body says which does not.
/// </summary>
public static class HealthEndpoints
{
    public static IServiceCollection AddGatewayHealth(this IServiceCollection services)
    {
        services.AddSingleton<GatewayReadiness>();
        services.AddSingleton<RedisHealthCheck>();
        services.AddSingleton<OriginHealthCheck>();
        services.AddHealthChecks()
            .AddCheck<StartupHealthCheck>("started", tags: [HealthTags.Live])
            .AddCheck<RedisHealthCheck>("redis", tags: [HealthTags.Ready])
            .AddCheck<OriginHealthCheck>("origin", tags: [HealthTags.Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapGatewayHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(HealthTags.Live),
            ResponseWriter = (context, report) => context.Response.WriteAsync(report.Status == HealthStatus.Healthy ? "ok" : "starting"),
        }).OnEveryListener();
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            ResponseWriter = (context, report) =>
            {
                var body = new StringBuilder();
                foreach (var (name, entry) in report.Entries)
                {
                    body.Append(name).Append(": ").Append(entry.Description).Append('\n');
                }

                return context.Response.WriteAsync(body.ToString());
            },
        }).OnManagementListener();
        return endpoints;
    }
}
