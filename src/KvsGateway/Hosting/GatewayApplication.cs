using KvsGateway.Admin;
using KvsGateway.Auditing;
using KvsGateway.Authentication;
using KvsGateway.ControlPlane;
using KvsGateway.Demo;
using KvsGateway.Forwarding;
using KvsGateway.Health;
using KvsGateway.Hosting.Listeners;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Http;
using KvsGateway.Kvs.Redaction;
using KvsGateway.Manifests;
using KvsGateway.Metering;
using KvsGateway.Origins;
using KvsGateway.Playback;
using KvsGateway.Quotas;
using KvsGateway.Sessions;
using KvsGateway.Tenancy;
using KvsGateway.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using StackExchange.Redis;

namespace KvsGateway.Hosting;

/// <summary>The composition root: configuration, embedded infrastructure, services and endpoints.</summary>
public static class GatewayApplication
{
    /// <summary>Builds the gateway; <paramref name="configure"/> lets tests replace services (a fake clock).</summary>
    public static async Task<WebApplication> CreateAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = FindContentRoot() });

        // Tenants may live in their own file beside the other configuration; it is reloaded on change.
        // Environment variables and the command line are added again after it, so they still override it.
        var tenantsFile = builder.Configuration[$"{GatewayOptions.SectionName}:TenantsFile"] is { Length: > 0 } file ? file : Path.Combine("config", "tenants.json");
        builder.Configuration.AddJsonFile(Path.GetFullPath(tenantsFile, builder.Environment.ContentRootPath), optional: true, reloadOnChange: true);
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args);
        configure?.Invoke(builder);

        // Token keys may live in a file of their own (a mounted secret): {"Tokens": {"ActiveKeyId": …, "Keys": {…}}}.
        if (builder.Configuration[$"{SessionTokenOptions.SectionName}:KeyFile"] is { Length: > 0 } keyFile)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(keyFile, builder.Environment.ContentRootPath), optional: false, reloadOnChange: true);
        }

        DevelopmentKeyGuard.Check(builder.Configuration, builder.Environment, Path.Combine(AppContext.BaseDirectory, "appsettings.Development.json"));
        FailClosedRules.Check(builder.Configuration, builder.Environment);

        // Two listeners: the public one (KVS API and playback) and the operators' one.
        var listeners = GatewayListeners.FromConfiguration(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            listeners.Configure(kestrel);
        });
        builder.Services.AddSingleton(listeners);

        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<GatewayOptions>().Bind(builder.Configuration.GetSection(GatewayOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddOptions<OriginOptions>().Bind(builder.Configuration.GetSection(OriginOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OriginOptions>, OriginOptionsValidator>();
        // TenantOptions.Tenants is the "Tenants" section itself: tenant name to definition.
        services.AddOptions<TenantOptions>().Bind(builder.Configuration);
        services.AddOptions<SessionTokenOptions>().Bind(builder.Configuration.GetSection(SessionTokenOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SessionTokenOptions>, SessionTokenOptionsValidator>();
        services.AddOptions<DemoOptions>().Bind(builder.Configuration.GetSection(DemoOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DemoOptions>, DemoOptionsValidator>();

        var redisOptions = builder.Configuration.GetSection(RedisOptions.SectionName).Get<RedisOptions>() ?? new RedisOptions();
        var originOptions = builder.Configuration.GetSection(OriginOptions.SectionName).Get<OriginOptions>() ?? new OriginOptions();

        // Checked before anything is started on their account; the rest at host start (ValidateOnStart).
        if (new OriginOptionsValidator().Validate(null, originOptions) is { Failed: true } origin)
        {
            throw new OptionsValidationException(OriginOptions.SectionName, typeof(OriginOptions), origin.Failures);
        }

        // The embedded emulator logs through a factory of its own, configured like the gateway's and
        // sharing any provider instances added to it (a test's log capture), redacted the same way.
        var sharedProviders = services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationInstance is ILoggerProvider)
            .Select(d => (ILoggerProvider)d.ImplementationInstance!).ToList();
        var infrastructureLogging = new RedactingLoggerFactory(LoggerFactory.Create(logging =>
        {
            logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole();
            foreach (var provider in sharedProviders)
            {
                logging.AddProvider(provider);
            }
        }));
        var infrastructure = await GatewayInfrastructure.StartAsync(
            redisOptions,
            originOptions,
            builder.Environment.ContentRootPath,
            infrastructureLogging,
            cancellationToken).ConfigureAwait(false);
        services.AddSingleton(_ => infrastructure);

        services.AddSingleton<IConnectionMultiplexer>(sp => sp.GetRequiredService<GatewayInfrastructure>().Redis);
        services.AddSingleton<OriginHttp>();
        services.AddSingleton(sp => new KvsClient(
            sp.GetRequiredService<OriginHttp>().Client,
            sp.GetRequiredService<GatewayInfrastructure>().Origin,
            sp.GetRequiredService<TimeProvider>()));
        services.AddHttpForwarder();
        services.AddSingleton<TenantDirectory>();
        services.AddSingleton<TenantDisablement>();
        services.AddOptions<GatewayAuthenticationOptions>().Bind(builder.Configuration.GetSection(GatewayAuthenticationOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayAuthenticationOptions>, GatewayAuthenticationOptionsValidator>();
        services.AddSingleton<SigV4TenantAuthenticator>();
        services.AddSingleton<JwksKeySource>();
        services.AddSingleton<BearerTenantAuthenticator>();
        services.AddSingleton<ControlPlaneAuthenticator>();
        services.AddSingleton<FailedAuthenticationLimiter>();
        services.AddSingleton<TenantRequestLimiter>();
        services.AddSingleton<RateWindow>();
        services.AddSingleton<ConcurrentSessions>();
        services.AddSingleton<MonthlyBytes>();
        services.AddSingleton<TenantQuotas>();
        services.AddOptions<AuditOptions>().Bind(builder.Configuration.GetSection(AuditOptions.SectionName));
        services.AddSingleton<AuditLog>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "KvsGateway admin API";
            document.Info.Description = "Operator endpoints under /admin; every call needs an Admin:Tokens bearer token.";
            return Task.CompletedTask;
        }));
        services.AddSingleton<SessionTokenService>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<SessionUrlIssuer>();
        services.AddSingleton<GatewayBaseUrl>();
        services.AddSingleton<PlaybackSessionResolver>();
        services.AddSingleton<SessionCache>();
        services.AddSingleton<SessionRevoker>();
        services.AddHostedService(sp => sp.GetRequiredService<SessionRevoker>());
        services.AddOptions<AdminOptions>().Bind(builder.Configuration.GetSection(AdminOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>();
        services.AddSingleton<AdminAuthorization>();
        services.AddSingleton<ManifestProxy>();
        services.AddSingleton<FragmentForwarder>();
        services.AddOptions<MeteringOptions>().Bind(builder.Configuration.GetSection(MeteringOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MeteringOptions>, MeteringOptionsValidator>();
        services.AddSingleton<PlaybackMetrics>();
        services.AddSingleton<UsageMeter>();
        services.AddSingleton<UsageStore>();
        services.AddSingleton<EmfWriter>();
        services.AddSingleton<UsageExport>();
        services.AddSingleton<FragmentNumberIndex>();
        services.AddSingleton<ViewerRecorder>();
        services.AddSingleton<UsageFlusher>();
        services.AddHostedService(sp => sp.GetRequiredService<UsageFlusher>());
        services.AddGatewayHealth();
        services.AddHostedService<DemoStreamSeeder>();

        var allowedOrigins = builder.Configuration.GetSection($"{GatewayOptions.SectionName}:AllowedPlaybackOrigins").Get<string[]>() ?? [];
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

        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(PlaybackMetrics.MeterName).AddPrometheusExporter();
            if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            {
                metrics.AddOtlpExporter();
            }
        });
        services.AddSecretRedaction();

        var app = builder.Build();

        // The tenants are checked now too: a configuration that breaks a rule stops the start.
        try
        {
            app.Services.GetRequiredService<TenantDirectory>();
        }
        catch (InvalidOperationException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            await infrastructure.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // A new request on a connection means the viewer read the previous response whole.
        app.Use((context, next) =>
        {
            context.Features.Get<DeliveryTracker>()?.Settle(connectionEnded: false);
            return next(context);
        });
        app.UseMiddleware<KvsErrorMiddleware>();
        app.UseRouting();
        app.UseMiddleware<ListenerIsolationMiddleware>();
        app.UseCors();
        app.MapGatewayHealth();
        app.MapControlPlane();
        app.MapPlayback();
        app.MapAdmin().OnManagementListener();
        app.MapOpenApi("/admin/openapi/{documentName}.json").OnManagementListener();
        app.MapPrometheusScrapingEndpoint("/metrics").OnManagementListener();

        // The demo opens sessions without a signature: Development only (FailClosedRules refuses it elsewhere).
        if (app.Environment.IsDevelopment() && app.Services.GetRequiredService<IOptions<DemoOptions>>().Value.Enabled)
        {
            app.UseDemo();
        }

        return app;
    }

    /// <summary>The repository root or the container folder when they hold appsettings.json, else the build output.</summary>
    private static string FindContentRoot()
    {
        var current = Directory.GetCurrentDirectory();
        return File.Exists(Path.Combine(current, "appsettings.json")) ? current : AppContext.BaseDirectory;
    }
}
