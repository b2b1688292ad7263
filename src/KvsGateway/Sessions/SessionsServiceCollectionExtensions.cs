namespace KvsGateway.Sessions;

/// <summary>Registers sessions: the store, the warm cache, revocation and token resolution.</summary>
public static class SessionsServiceCollectionExtensions
{
    public static IServiceCollection AddSessions(this IServiceCollection services)
    {
        services.AddSingleton<SessionStore>();
        services.AddSingleton<SessionCache>();
        services.AddSingleton<SessionRevoker>();
        services.AddHostedService(sp => sp.GetRequiredService<SessionRevoker>());
        services.AddSingleton<PlaybackSessionResolver>();
        return services;
    }
}
