using KvsGateway.Kvs.Client;
using KvsGateway.OriginConnections;
using KvsGateway.Quotas;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace KvsGateway.Origins;

/// <summary>
/// Registers the origin: one connection pool for the typed KVS client, manifest fetches and
/// fragment forwarding. The client's address and credentials come from <c>origin</c>, known once the
/// infrastructure (an embedded emulator, perhaps) has started.
/// </summary>
public static class OriginsServiceCollectionExtensions
{
    public static IServiceCollection AddOrigins(this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, KvsClientOptions> origin)
    {
        services.AddOptions<OriginOptions>().Bind(configuration.GetSection(OriginOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OriginOptions>, OriginOptionsValidator>();
        services.AddOptions<OriginLimitsOptions>().Bind(configuration.GetSection(OriginLimitsOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OriginLimitsOptions>, OriginLimitsOptionsValidator>();
        services.TryAddSingleton<SharedRateWindows>();
        services.AddSingleton<OriginBudget>();
        services.AddSingleton<OriginHttp>();
        services.AddSingleton<OriginConnectionPool>();
        services.AddSingleton(sp => new KvsClient(sp.GetRequiredService<OriginHttp>().Client, origin(sp), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
