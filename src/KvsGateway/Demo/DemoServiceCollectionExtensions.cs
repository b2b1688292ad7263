using Microsoft.Extensions.Options;

namespace KvsGateway.Demo;

/// <summary>Registers the demo stream's seeder (which marks the gateway ready when there is no demo).</summary>
public static class DemoServiceCollectionExtensions
{
    public static IServiceCollection AddDemo(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DemoOptions>().Bind(configuration.GetSection(DemoOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DemoOptions>, DemoOptionsValidator>();
        services.AddHostedService<DemoStreamSeeder>();
        return services;
    }
}
