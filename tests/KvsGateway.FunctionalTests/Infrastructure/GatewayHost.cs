using System.Security.Cryptography;
using KvsGateway.Hosting;
using KvsGateway.Hosting.Listeners;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KvsGateway.FunctionalTests.Infrastructure;

/// <summary>
/// A real gateway on 127.0.0.1 with a port of its own, its embedded emulator on another, both in this
/// process, against a real Redis. Nothing of ours is replaced; only the clock may be a fake one.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public const string TenantKeyId = "AKIDFUNCTIONALTEST";
    public const string TenantSecret = "functional-test-secret";
    public const string OtherTenantKeyId = "AKIDOTHERTENANT";
    public const string OtherTenantSecret = "other-tenant-secret";
    public const string LimitedTenantKeyId = "AKIDLIMITEDTENANT";
    public const string LimitedTenantSecret = "limited-tenant-secret";

    private readonly string _dataPath;

    private GatewayHost(WebApplication app, Uri gateway, Uri management, Uri emulator, string dataPath, TimeProvider time, IReadOnlyList<(string Id, string Key)> tokenKeys)
    {
        TokenKeys = tokenKeys;
        App = app;
        Gateway = gateway;
        Management = management;
        Emulator = emulator;
        _dataPath = dataPath;
        Time = time;
        Http = new HttpClient { BaseAddress = gateway };
        ManagementHttp = new HttpClient { BaseAddress = management };
    }

    public WebApplication App { get; }

    public Uri Gateway { get; }

    /// <summary>The management listener: /metrics, /readyz, the admin API.</summary>
    public Uri Management { get; }

    public Uri Emulator { get; }

    public TimeProvider Time { get; }

    public IReadOnlyList<(string Id, string Key)> TokenKeys { get; }

    /// <summary>An unauthenticated client of the gateway, as a browser would be.</summary>
    public HttpClient Http { get; }

    /// <summary>A client of the management listener, as an operator's tools would be.</summary>
    public HttpClient ManagementHttp { get; }

    public const string AdminToken = "functional-test-admin-token";

    public static string NewTokenKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));

    /// <summary>Starts a gateway; <c>tokenKeys</c> are session-token keys by id, the first active (a fresh key when none).</summary>
    public static async Task<GatewayHost> StartAsync(string redis, TimeProvider? time = null, IReadOnlyList<(string Id, string Key)>? tokenKeys = null, IEnumerable<string>? extraArgs = null)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "kvsgw-tests-" + Guid.NewGuid().ToString("N"));
        var clock = time ?? TimeProvider.System;
        string[] args =
        [
            "--environment", "Testing",
            "--urls", "http://127.0.0.1:0",
            "--Gateway:ManagementUrls", "http://127.0.0.1:0",
            "--Gateway:AllowEmbeddedDependencies", "true",
            "--Redis:Configuration", redis,
            "--Origin:Mode", "Embedded",
            "--Origin:EmbeddedUrl", "http://127.0.0.1:0",
            "--Origin:EmbeddedDataPath", dataPath,
            "--Metering:Path", Path.Combine(dataPath, "metering"),
            "--Tenants:acme:AccessKeys:0:AccessKeyId", TenantKeyId,
            "--Tenants:acme:AccessKeys:0:SecretAccessKey", TenantSecret,
            "--Tenants:acme:Streams:0", "acme-*",
            "--Tenants:acme:DataEndpointsPerStreamPerSecond", "1000",
            "--Tenants:acme:SessionUrlsPerStreamPerSecond", "1000",
            "--Tenants:limited:AccessKeys:0:AccessKeyId", LimitedTenantKeyId,
            "--Tenants:limited:AccessKeys:0:SecretAccessKey", LimitedTenantSecret,
            "--Tenants:limited:Streams:0", "limited-*",
            "--Tenants:limited:MaxConcurrentSessions", "3",
            "--Tenants:limited:SessionUrlsPerStreamPerSecond", "4",
            "--Tenants:limited:DataEndpointsPerStreamPerSecond", "1000",
            "--Tenants:limited:PlaybackRates:ManifestsPerSecond", "2",
            "--Tenants:other:AccessKeys:0:AccessKeyId", OtherTenantKeyId,
            "--Tenants:other:AccessKeys:0:SecretAccessKey", OtherTenantSecret,
            "--Tenants:other:Streams:0", "other-*",
            "--Tenants:other:AllowedPlaybackModes:0", "ON_DEMAND",
            "--Tenants:other:MaxExpiresSeconds", "600",
            "--Admin:Tokens:0", AdminToken,
            "--Demo:Enabled", "false",
            "--Logging:LogLevel:Default", "Warning",
        ];
        var keys = tokenKeys ?? [("test-1", NewTokenKey())];
        args = [.. args, "--Tokens:ActiveKeyId", keys[0].Id, .. keys.SelectMany(k => new[] { $"--Tokens:Keys:{k.Id}", k.Key }), .. extraArgs ?? []];
        if (LogCaptureProvider.Instance is not null)
        {
            args = [.. args, "--Logging:TestCapture:LogLevel:Default", "Debug"];
        }

        var app = await GatewayApplication.CreateAsync(args, builder =>
        {
            builder.Services.AddSingleton(clock);
            if (LogCaptureProvider.Instance is { } capture)
            {
                builder.Logging.AddProvider(capture);
            }
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            // Resolved so the container owns (and disposes) the embedded emulator and Redis connection.
            app.Services.GetService<GatewayInfrastructure>();
            await app.DisposeAsync();
            throw;
        }

        var listeners = app.Services.GetRequiredService<GatewayListeners>();
        var emulator = app.Services.GetRequiredService<GatewayInfrastructure>().Origin.ControlEndpoint;
        return new GatewayHost(app, listeners.PublicAddresses[0], listeners.ManagementAddresses[0], emulator, dataPath, clock, keys);
    }

    /// <summary>Another replica beside <paramref name="primary"/>: same Redis, same token keys, and the primary's emulator as its origin.</summary>
    public static Task<GatewayHost> StartReplicaAsync(string redis, GatewayHost primary, IEnumerable<string>? extraArgs = null)
    {
        ArgumentNullException.ThrowIfNull(primary);
        return StartAsync(redis, tokenKeys: primary.TokenKeys, extraArgs: ["--Origin:Mode", "Remote", "--Origin:Endpoint", primary.Emulator.ToString(), .. extraArgs ?? []]);
    }

    /// <summary>
    /// Arguments defining one more tenant, its streams named <c>{name}-*</c>; each setting is
    /// <c>Key=Value</c> under the tenant. Tests that change a tenant's shared Redis state (limits,
    /// disable) use a tenant of their own, as every test class shares one Redis.
    /// </summary>
    public static IEnumerable<string> TenantArgs(string name, string keyId, string secret, params string[] settings)
    {
        string[] basics =
        [
            $"--Tenants:{name}:AccessKeys:0:AccessKeyId", keyId,
            $"--Tenants:{name}:AccessKeys:0:SecretAccessKey", secret,
            $"--Tenants:{name}:Streams:0", $"{name}-*",
        ];
        return basics.Concat(settings.SelectMany(setting =>
        {
            var equals = setting.IndexOf('=', StringComparison.Ordinal);
            return new[] { $"--Tenants:{name}:{setting[..equals]}", setting[(equals + 1)..] };
        }));
    }

    /// <summary>A request to the gateway's admin API (on the management listener) with the admin token.</summary>
    public Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
        return ManagementHttp.SendAsync(request);
    }

    /// <summary>A control-plane call signed with SigV4 as an AWS SDK signs it, answered raw so headers can be checked.</summary>
    public async Task<HttpResponseMessage> SignedPostAsync(string path, string json, string keyId, string secret, Action<HttpRequestMessage>? before = null, string region = "us-east-1")
    {
        var body = System.Text.Encoding.UTF8.GetBytes(json);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Gateway, path)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        before?.Invoke(request);
        SigV4Signer.Sign(request, SigV4.HashHex(body), new AwsCredentials(keyId, secret), region, "kinesisvideo", Time.GetUtcNow(), sendPayloadHash: true);
        return await Http.SendAsync(request);
    }

    /// <summary>A KVS client of the emulator, as a producer or an operator uses it.</summary>
    public KvsClient EmulatorClient() => new(new HttpClient(), new KvsClientOptions { ControlEndpoint = Emulator, Credentials = new AwsCredentials("AKIDPRODUCER", "producer-secret") }, TimeProvider.System);

    /// <summary>A KVS client of the gateway signing with a tenant's keys, as an AWS SDK would.</summary>
    public KvsClient GatewayClient(string keyId = TenantKeyId, string secret = TenantSecret) =>
        new(new HttpClient(), new KvsClientOptions { ControlEndpoint = Gateway, Credentials = new AwsCredentials(keyId, secret) }, Time);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        ManagementHttp.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
