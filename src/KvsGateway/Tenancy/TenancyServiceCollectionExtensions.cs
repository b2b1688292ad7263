namespace KvsGateway.Tenancy;

/// <summary>Registers the tenants (the <c>Tenants</c> section, reloaded on change) and their run-time disablement.</summary>
public static class TenancyServiceCollectionExtensions
{
    public static IServiceCollection AddTenancy(this IServiceCollection services, IConfiguration configuration)
    {
        // TenantOptions.Tenants is the "Tenants" section itself: tenant name to definition. It is
        // validated by TenantDirectory, at start and at every reload (a bad reload is refused, not thrown).
        services.AddOptions<TenantOptions>().Bind(configuration);
        services.AddSingleton<TenantDirectory>();
        services.AddSingleton<TenantDisablement>();
        services.AddHostedService(provider => provider.GetRequiredService<TenantDisablement>());
        return services;
    }
}
