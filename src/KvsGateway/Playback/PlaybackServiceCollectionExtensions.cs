using KvsGateway.Caching;
using KvsGateway.Forwarding;
using KvsGateway.Manifests;
using Microsoft.Extensions.Options;

namespace KvsGateway.Playback;

/// <summary>Registers playback: manifests, fragment forwarding, and the CORS policy browsers on other origins need.</summary>
public static class PlaybackServiceCollectionExtensions
{
    public static IServiceCollection AddPlayback(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SharedManifestOptions>().Bind(configuration.GetSection(SharedManifestOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SharedManifestOptions>, SharedManifestOptionsValidator>();
        services.AddOptions<FragmentCacheOptions>().Bind(configuration.GetSection(FragmentCacheOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FragmentCacheOptions>, FragmentCacheOptionsValidator>();
        services.AddSingleton<SharedManifests>();
        services.AddSingleton<ManifestProxy>();
        services.AddSingleton<FragmentCache>();
        services.AddSingleton<OriginFragmentFill>();
        services.AddSingleton<FragmentForwarder>();
        var allowedOrigins = configuration.GetSection($"{GatewayOptions.SectionName}:{nameof(GatewayOptions.AllowedPlaybackOrigins)}").Get<string[]>() ?? [];
        services.AddCors(cors => cors.AddPolicy(PlaybackEndpoints.CorsPolicy, policy =>
        {
            if (allowedOrigins.Length == 0 || allowedOrigins.Contains("*"))
            {
                policy.AllowAnyOrigin();
            }
            else
            {
                policy.WithOrigins(allowedOrigins);
            }

            policy.WithMethods("GET", "HEAD", "OPTIONS").AllowAnyHeader()
                .WithExposedHeaders("Content-Length", "Content-Range", "x-amzn-RequestId", "x-amzn-ErrorType")
                .SetPreflightMaxAge(TimeSpan.FromHours(1));
        }));
        return services;
    }
}
