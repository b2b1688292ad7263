using KvsGateway.FunctionalTests.Infrastructure;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// A misconfigured gateway does not start: every options class and the tenants are checked at
/// start-up, and the refusal names the setting. Before, most of these started and failed later,
/// on the first request that touched them (or never, serving with a wrong limit).
/// </summary>
public sealed class ConfigurationTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();

    public Task InitializeAsync() => _redis.InitializeAsync();

    public Task DisposeAsync() => _redis.DisposeAsync();

    [Theory]
    [InlineData("--Tenants:acme:SessionUrlsPerStreamPerSecond", "-1", "Tenants:acme:SessionUrlsPerStreamPerSecond")]
    [InlineData("--Tenants:acme:Streams:0", "", "Tenants:acme:Streams")]
    [InlineData("--Tenants:other:AccessKeys:0:AccessKeyId", GatewayHost.TenantKeyId, "is also a key of tenant")]
    [InlineData("--Origin:ActivityTimeout", "00:00:00", "ActivityTimeout")]
    [InlineData("--Admin:Tokens:1", "short", "Admin:Tokens:1")]
    [InlineData("--Metering:MaxStreamLabelsPerTenant", "0", "MaxStreamLabelsPerTenant")]
    [InlineData("--Gateway:PublicBaseUrl", "not a url", "Gateway:PublicBaseUrl")]
    [InlineData("--Gateway:AllowedPlaybackOrigins:0", "https://player.example.com/path", "Gateway:AllowedPlaybackOrigins")]
    [InlineData("--Gateway:ManagementUrls", "ftp://127.0.0.1:0", "Gateway:ManagementUrls")]
    [InlineData("--Demo:DataRetentionInHours", "0", "DataRetentionInHours")]
    [InlineData("--Authentication:FailuresPerAddressPerSecond", "0", "Authentication:FailuresPerAddressPerSecond")]
    [InlineData("--Redis:Configuration", "127.0.0.1:6379,abortConnect=maybe", "Redis:Configuration")]
    [InlineData("--Redis:Configuration", "abortConnect=false", "Redis:Configuration")]
    public async Task A_bad_setting_stops_the_start_and_the_refusal_names_it(string key, string value, string named)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: [key, value])).DisposeAsync());
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_Development_the_embedded_emulator_needs_the_operator_s_opt_in()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs: ["--Gateway:AllowEmbeddedDependencies", "false"])).DisposeAsync());
        Assert.Contains("Origin:Mode is Embedded", error.Message, StringComparison.Ordinal);
    }
}
