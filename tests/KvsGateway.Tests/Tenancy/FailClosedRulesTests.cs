using KvsGateway.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace KvsGateway.Tests.Tenancy;

/// <summary>Before, any environment would start on an embedded Garnet and the embedded emulator, demo included.</summary>
public sealed class FailClosedRulesTests
{
    [Theory]
    [InlineData("", "Remote", "Redis:Configuration is empty")]
    [InlineData("redis:6379", "Embedded", "Origin:Mode is Embedded")]
    [InlineData("redis:6379", null, "Origin:Mode is Embedded")]
    public void Outside_Development_embedded_dependencies_stop_the_start_naming_the_setting(string redis, string? mode, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => FailClosedRules.Check(Config(("Redis:Configuration", redis), ("Origin:Mode", mode)), Environment("Production")));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:AllowEmbeddedDependencies", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_operator_may_opt_in_to_embedded_dependencies()
    {
        FailClosedRules.Check(Config(("Redis:Configuration", ""), ("Origin:Mode", "Embedded"), ("Gateway:AllowEmbeddedDependencies", "true")), Environment("Production"));
        FailClosedRules.Check(Config(("Redis:Configuration", "redis:6379"), ("Origin:Mode", "Aws")), Environment("Production"));
    }

    [Fact]
    public void The_demo_exists_only_in_Development()
    {
        var demo = Config(("Demo:Enabled", "true"), ("Gateway:AllowEmbeddedDependencies", "true"));
        Assert.Contains("Demo:Enabled", Assert.Throws<InvalidOperationException>(() => FailClosedRules.Check(demo, Environment("Staging"))).Message, StringComparison.Ordinal);
        FailClosedRules.Check(demo, Environment(Environments.Development));
        FailClosedRules.Check(Config(("Redis:Configuration", "")), Environment(Environments.Development));
    }

    private static IConfiguration Config(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static HostingEnvironment Environment(string name) => new() { EnvironmentName = name };
}
