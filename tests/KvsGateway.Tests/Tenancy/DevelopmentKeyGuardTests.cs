using KvsGateway.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace KvsGateway.Tests.Tenancy;

public sealed class DevelopmentKeyGuardTests
{
    private static readonly string DevelopmentSettings = Path.Combine(AppContext.BaseDirectory, "appsettings.Development.json");

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void Development_keys_stop_the_gateway_outside_Development(string environment)
    {
        var development = new ConfigurationBuilder().AddJsonFile(DevelopmentSettings).Build();
        Assert.Throws<InvalidOperationException>(() => DevelopmentKeyGuard.Check(development, Environment(environment), DevelopmentSettings));

        var demoKeyElsewhere = Config(("Tenants:acme:AccessKeys:0:AccessKeyId", "AKIDKVSGWDEMO"), ("Tenants:acme:AccessKeys:0:SecretAccessKey", "something-else"));
        Assert.Throws<InvalidOperationException>(() => DevelopmentKeyGuard.Check(demoKeyElsewhere, Environment(environment), DevelopmentSettings));

        var own = Config(("Tenants:acme:AccessKeys:0:AccessKeyId", "AKIDACME"), ("Tenants:acme:AccessKeys:0:SecretAccessKey", "acme-secret"), ("Tokens:Keys:k1", Convert.ToBase64String(new byte[64])));
        DevelopmentKeyGuard.Check(own, Environment(environment), DevelopmentSettings);
    }

    [Fact]
    public void Development_keys_are_fine_in_Development()
    {
        var development = new ConfigurationBuilder().AddJsonFile(DevelopmentSettings).Build();
        DevelopmentKeyGuard.Check(development, Environment(Environments.Development), DevelopmentSettings);
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static HostingEnvironment Environment(string name) => new() { EnvironmentName = name };
}
