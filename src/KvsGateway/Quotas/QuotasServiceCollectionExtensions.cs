using KvsGateway.Sessions;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KvsGateway.Quotas;

/// <summary>Registers tenants' limits: call rates, playback rates, concurrent sessions, byte budgets.</summary>
public static class QuotasServiceCollectionExtensions
{
    public static IServiceCollection AddQuotas(this IServiceCollection services)
    {
        services.TryAddSingleton<SharedRateWindows>();
        services.AddSingleton<LocalRateWindow>();
        services.AddSingleton<ConcurrentSessions>();
        services.AddSingleton<IRevocationObserver, ConcurrentSessionsRevocationObserver>();
        services.AddSingleton<MonthlyBytes>();
        services.AddSingleton<TenantQuotas>();
        services.AddSingleton<TenantRequestLimiter>();
        return services;
    }
}
