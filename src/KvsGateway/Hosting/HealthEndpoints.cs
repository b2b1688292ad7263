namespace KvsGateway.Hosting;

public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", (GatewayReadiness readiness) =>
            readiness.IsReady ? Results.Text("ok") : Results.Text("starting", statusCode: StatusCodes.Status503ServiceUnavailable));
        return endpoints;
    }
}
