using KvsGateway.Emulator;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Signing;
using KvsGateway.Origins;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using StackExchange.Redis;
using KvsGateway.Emulator.Hosting;

namespace KvsGateway.Hosting;

/// <summary>
/// What the gateway needs before it can serve: a Redis connection (to the configured server or an
/// embedded Garnet) and an origin (AWS, a remote emulator, or the emulator started in-process).
/// </summary>
public sealed partial class GatewayInfrastructure : IAsyncDisposable
{
    private readonly EmbeddedGarnet? _garnet;
    private readonly WebApplication? _emulator;
    private readonly ILoggerFactory _logging;

    private GatewayInfrastructure(EmbeddedGarnet? garnet, WebApplication? emulator, IConnectionMultiplexer redis, KvsClientOptions origin, ILoggerFactory logging)
    {
        _logging = logging;
        _garnet = garnet;
        _emulator = emulator;
        Redis = redis;
        Origin = origin;
    }

    public IConnectionMultiplexer Redis { get; }

    public KvsClientOptions Origin { get; }

    /// <summary>Starts what is needed; the infrastructure owns <paramref name="logging"/> from here on.</summary>
    public static async Task<GatewayInfrastructure> StartAsync(RedisOptions redis, OriginOptions origin, string contentRoot, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logging);
        var logger = logging.CreateLogger("KvsGateway.Hosting");
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(origin);
        EmbeddedGarnet? garnet = null;
        WebApplication? emulator = null;
        try
        {
            var connectionString = redis.Configuration;
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                garnet = EmbeddedGarnet.Start(null);
                connectionString = garnet.ConnectionString;
                LogEmbeddedGarnet(logger, connectionString);
            }

            ConfigurationOptions configuration;
            try
            {
                configuration = ConfigurationOptions.Parse(connectionString);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidOperationException("Redis:Configuration is not a StackExchange.Redis connection string.", ex);
            }

            if (configuration.EndPoints.Count == 0)
            {
                throw new InvalidOperationException("Redis:Configuration names no server (host:port).");
            }

            configuration.AbortOnConnectFail = false;

            // While Redis is away, fail at once rather than queue: quotas then let playback through and
            // usage goes to the spool, instead of every request waiting out a timeout.
            configuration.BacklogPolicy = BacklogPolicy.FailFast;
            var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);

            Uri controlEndpoint;
            switch (origin.Mode)
            {
                case OriginMode.Embedded:
                    var options = new EmulatorOptions { DataPath = Path.Combine(contentRoot, origin.EmbeddedDataPath), Region = origin.Region };
                    emulator = await EmulatorApplication.StartAsync(options, origin.EmbeddedUrl, TimeProvider.System, logging, cancellationToken).ConfigureAwait(false);
                    controlEndpoint = new Uri(emulator.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
                    LogEmbeddedEmulator(logger, controlEndpoint, options.DataPath);
                    break;
                case OriginMode.Remote:
                    controlEndpoint = new Uri(origin.Endpoint ?? throw new InvalidOperationException("Origin:Endpoint is required when Origin:Mode is Remote."));
                    break;
                default:
                    controlEndpoint = new Uri(string.IsNullOrEmpty(origin.Endpoint) ? $"https://kinesisvideo.{origin.Region}.amazonaws.com" : origin.Endpoint);
                    break;
            }

            var client = new KvsClientOptions
            {
                ControlEndpoint = controlEndpoint,
                Region = origin.Region,
                Credentials = ResolveCredentials(origin),

                // An origin that does not answer a control-plane call is cut as a fragment read is, and
                // its caller told so as KVS would (503), instead of waiting the client's own 30 s.
                RequestTimeout = origin.ActivityTimeout,
            };
            return new GatewayInfrastructure(garnet, emulator, multiplexer, client, logging);
        }
        catch
        {
            if (emulator is not null)
            {
                await emulator.DisposeAsync().ConfigureAwait(false);
            }

            garnet?.Dispose();
            logging.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.StopAsync().ConfigureAwait(false);
            await _emulator.DisposeAsync().ConfigureAwait(false);
        }

        await Redis.DisposeAsync().ConfigureAwait(false);
        _garnet?.Dispose();
        _logging.Dispose();
    }

    private static AwsCredentials ResolveCredentials(OriginOptions origin)
    {
        var keyId = origin.AccessKeyId ?? Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        var secret = origin.SecretAccessKey ?? Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        var token = origin.SessionToken ?? Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN");
        if (!string.IsNullOrEmpty(keyId) && !string.IsNullOrEmpty(secret))
        {
            return new AwsCredentials(keyId, secret, string.IsNullOrEmpty(token) ? null : token);
        }

        if (origin.Mode == OriginMode.Aws)
        {
            throw new InvalidOperationException("Origin:Mode Aws needs Origin:AccessKeyId and Origin:SecretAccessKey, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.");
        }

        // The emulator accepts any credentials, as LocalStack does.
        return new AwsCredentials("AKIDKVSGWEMULATOR", "emulator-accepts-any-secret");
    }

    [LoggerMessage(1, LogLevel.Information, "Redis:Configuration is empty: using an embedded single-node Garnet at {Endpoint} (not for production)")]
    private static partial void LogEmbeddedGarnet(ILogger logger, string endpoint);

    [LoggerMessage(2, LogLevel.Information, "Embedded KVS emulator listening on {Endpoint}, data in {DataPath}")]
    private static partial void LogEmbeddedEmulator(ILogger logger, Uri endpoint, string dataPath);
}
