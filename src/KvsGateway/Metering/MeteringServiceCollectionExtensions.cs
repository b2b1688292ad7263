using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace KvsGateway.Metering;

/// <summary>Registers metering: the journal and its flusher, the usage store and export, viewer records and the KVS metrics (Prometheus, OTLP).</summary>
public static class MeteringServiceCollectionExtensions
{
    public static IServiceCollection AddMetering(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MeteringOptions>().Bind(configuration.GetSection(MeteringOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MeteringOptions>, MeteringOptionsValidator>();
        services.AddSingleton<PlaybackMetrics>();
        services.AddSingleton<UsageMeter>();
        services.AddSingleton<UsageStore>();
        services.AddSingleton<UsageExport>();
        services.AddSingleton<FragmentNumberIndex>();
        services.AddSingleton<ViewerRecorder>();
        services.AddSingleton<UsageFlusher>();
        services.AddHostedService(sp => sp.GetRequiredService<UsageFlusher>());

        // CloudWatch gets these through an OpenTelemetry Collector (config/otel-collector.yaml, awsemf).
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(PlaybackMetrics.MeterName).AddPrometheusExporter();
            if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            {
                metrics.AddOtlpExporter();
            }
        });
        return services;
    }
}
