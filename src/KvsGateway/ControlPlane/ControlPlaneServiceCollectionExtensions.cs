using KvsGateway.Forwarding;
using KvsGateway.OriginSessions;
using KvsGateway.Origins;
using Microsoft.Extensions.Options;

namespace KvsGateway.ControlPlane;

/// <summary>Registers the control plane: session URLs, the pool of origin sessions behind them, and the base URL they are issued under.</summary>
public static class ControlPlaneServiceCollectionExtensions
{
    public static IServiceCollection AddControlPlane(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OriginSessionOptions>().Bind(configuration.GetSection(OriginSessionOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OriginSessionOptions>, OriginSessionOptionsValidator>();
        services.AddSingleton<OriginSessionPool>();
        services.AddSingleton<IOriginSessionSpentObserver>(provider => provider.GetRequiredService<OriginSessionPool>());
        services.AddSingleton<SessionUrlIssuer>();
        services.AddSingleton<ClipForwarder>();
        services.AddSingleton<GatewayBaseUrl>();
        return services;
    }
}
