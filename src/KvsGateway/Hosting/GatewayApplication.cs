using KvsGateway.Admin;
using KvsGateway.Delivery;
using KvsGateway.Auditing;
using KvsGateway.Authentication;
using KvsGateway.ControlPlane;
using KvsGateway.Demo;
using KvsGateway.Health;
using KvsGateway.Hosting.Listeners;
using KvsGateway.Kvs.Http;
using KvsGateway.Kvs.Redaction;
using KvsGateway.Metering;
using KvsGateway.Origins;
using KvsGateway.Playback;
using KvsGateway.Quotas;
using KvsGateway.Sessions;
using KvsGateway.Tenancy;
using KvsGateway.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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
        var inline = builder.Configuration.GetValue($"{GatewayOptions.SectionName}:{nameof(GatewayOptions.InlineScheduling)}", defaultValue: true);
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = inline);
        if (builder.Configuration.GetValue($"{GatewayOptions.SectionName}:{nameof(GatewayOptions.BatchScheduling)}", defaultValue: true))
        {
            builder.Services.AddHostedService<BatchScheduling>();
        }

        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<GatewayOptions>().Bind(builder.Configuration.GetSection(GatewayOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();

        // Redis and the origin are started first (either may be embedded): what they need is checked before.
        var redisOptions = builder.Configuration.GetSection(RedisOptions.SectionName).Get<RedisOptions>() ?? new RedisOptions();
        var originOptions = builder.Configuration.GetSection(OriginOptions.SectionName).Get<OriginOptions>() ?? new OriginOptions();
        if (new OriginOptionsValidator().Validate(null, originOptions) is { Failed: true } origin)
        {
            throw new OptionsValidationException(OriginOptions.SectionName, typeof(OriginOptions), origin.Failures);
        }

        var infrastructure = await GatewayInfrastructure.StartAsync(redisOptions, originOptions, builder.Environment.ContentRootPath, InfrastructureLogging(builder), cancellationToken).ConfigureAwait(false);
        services.AddSingleton(_ => infrastructure);
        services.AddSingleton<IConnectionMultiplexer>(sp => sp.GetRequiredService<GatewayInfrastructure>().Redis);
        services.AddSingleton<KvsGateway.Kvs.Http.IKvsErrorTranslator, Outages.RedisOutageTranslator>();

        services
            .AddOrigins(builder.Configuration, sp => sp.GetRequiredService<GatewayInfrastructure>().Origin)
            .AddTenancy(builder.Configuration)
            .AddGatewayAuthentication(builder.Configuration)
            .AddAuditing(builder.Configuration)
            .AddSessionTokens(builder.Configuration)
            .AddSessions()
            .AddQuotas()
            .AddMetering(builder.Configuration)
            .AddControlPlane(builder.Configuration)
            .AddPlayback(builder.Configuration)
            .AddAdmin(builder.Configuration)
            .AddGatewayHealth()
            .AddDemo(builder.Configuration)
            .AddSecretRedaction();

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
            ResponseDelivery.SettlePrevious(context);
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

    /// <summary>
    /// The embedded emulator logs through a factory of its own, configured like the gateway's and
    /// sharing any provider instances added to it (a test's log capture), redacted the same way.
    /// </summary>
    private static RedactingLoggerFactory InfrastructureLogging(WebApplicationBuilder builder)
    {
        var sharedProviders = builder.Services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationInstance is ILoggerProvider)
            .Select(d => (ILoggerProvider)d.ImplementationInstance!).ToList();
        return new RedactingLoggerFactory(LoggerFactory.Create(logging =>
        {
            logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole();
            foreach (var provider in sharedProviders)
            {
                logging.AddProvider(provider);
            }
        }));
    }

    /// <summary>The repository root or the container folder when they hold appsettings.json, else the build output.</summary>
    private static string FindContentRoot()
    {
        var current = Directory.GetCurrentDirectory();
        return File.Exists(Path.Combine(current, "appsettings.json")) ? current : AppContext.BaseDirectory;
    }
}
