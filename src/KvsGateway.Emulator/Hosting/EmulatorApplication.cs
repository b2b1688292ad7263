using KvsGateway.Emulator.Clips;
using KvsGateway.Emulator.Dash;
using KvsGateway.Emulator.Hls;
using KvsGateway.Emulator.Sessions;
using KvsGateway.Emulator.Ingest;
using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using KvsGateway.Kvs.Redaction;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsGateway.Emulator.Hosting;

/// <summary>Builds and starts the emulator as its own Kestrel application (in-process or standalone).</summary>
public static class EmulatorApplication
{
    public const string PlaybackCorsPolicy = "kvs-playback";

    /// <summary>Starts the emulator on <paramref name="url"/> (port 0 picks a free port) and returns it running.</summary>
    public static async Task<WebApplication> StartAsync(EmulatorOptions options, string url, TimeProvider time, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        if (loggerFactory is not null)
        {
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggerFactory);
        }
        else
        {
            builder.Services.AddSecretRedaction();
        }

        // Per-request framework logs of a local stand-in drown the gateway's own.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<StreamStore>();
        builder.Services.AddSingleton<SessionRegistry>();
        builder.Services.AddSingleton<SessionFactory>();
        builder.Services.AddSingleton<DashHandlers>();
        builder.Services.AddSingleton<HlsHandlers>();
        builder.Services.AddSingleton<SessionFragments>();
        builder.Services.AddSingleton<ClipHandler>();
        builder.Services.AddSingleton<PlaybackQuotas>();
        builder.Services.AddSingleton<PutMediaHandler>();
        builder.Services.AddHostedService<RetentionService>();
        builder.Services.AddCors(cors => cors.AddPolicy(PlaybackCorsPolicy, policy =>
            policy.AllowAnyOrigin().WithMethods("GET", "HEAD", "OPTIONS").AllowAnyHeader().WithExposedHeaders("Content-Length", "Content-Range", "x-amzn-RequestId", "x-amzn-ErrorType")));

        var app = builder.Build();
        app.UseMiddleware<KvsErrorMiddleware>();
        app.UseMiddleware<SignatureVerificationMiddleware>();
        app.UseCors();
        app.MapKvsEmulator();
        await app.Services.GetRequiredService<StreamStore>().LoadAsync(cancellationToken).ConfigureAwait(false);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return app;
    }
}
