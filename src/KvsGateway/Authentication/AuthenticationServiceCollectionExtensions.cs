using Microsoft.Extensions.Options;

namespace KvsGateway.Authentication;

/// <summary>Registers control-plane authentication: SigV4, bearer issuers (static keys, JWKS) and the per-address failure limit.</summary>
public static class AuthenticationServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayAuthenticationOptions>().Bind(configuration.GetSection(GatewayAuthenticationOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayAuthenticationOptions>, GatewayAuthenticationOptionsValidator>();
        services.AddSingleton<SigV4TenantAuthenticator>();
        services.AddSingleton<JwksKeySource>();
        services.AddSingleton<BearerTenantAuthenticator>();
        services.AddSingleton<FailedAuthenticationLimiter>();
        services.AddSingleton<ControlPlaneAuthenticator>();
        return services;
    }
}
