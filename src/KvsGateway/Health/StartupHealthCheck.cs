using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KvsGateway.Health;

/// <summary>The gateway has finished its start-up work (in Development: the demo stream has a fragment).</summary>
public sealed class StartupHealthCheck : IHealthCheck
{
    private readonly GatewayReadiness _readiness;

    public StartupHealthCheck(GatewayReadiness readiness)
    {
        _readiness = readiness;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_readiness.IsReady ? HealthCheckResult.Healthy("ok") : HealthCheckResult.Unhealthy("starting"));
}
