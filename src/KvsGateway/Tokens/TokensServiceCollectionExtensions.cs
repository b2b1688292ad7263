using Microsoft.Extensions.Options;

namespace KvsGateway.Tokens;

/// <summary>Registers the gateway's own session tokens and their keys.</summary>
public static class TokensServiceCollectionExtensions
{
    public static IServiceCollection AddSessionTokens(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SessionTokenOptions>().Bind(configuration.GetSection(SessionTokenOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SessionTokenOptions>, SessionTokenOptionsValidator>();
        services.AddSingleton<SessionTokenService>();
        return services;
    }
}
