namespace KvsGateway.ControlPlane;

/// <summary>Registers the control plane: session URLs and the base URL they are issued under.</summary>
public static class ControlPlaneServiceCollectionExtensions
{
    public static IServiceCollection AddControlPlane(this IServiceCollection services)
    {
        services.AddSingleton<SessionUrlIssuer>();
        services.AddSingleton<GatewayBaseUrl>();
        return services;
    }
}
