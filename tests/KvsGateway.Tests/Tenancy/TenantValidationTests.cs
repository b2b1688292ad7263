using KvsGateway.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KvsGateway.Tests.Tenancy;

public sealed class TenantValidationTests
{
    [Theory]
    [InlineData("Tenants:acme:SessionUrlsPerStreamPerSecond", "-1", "Tenants:acme:SessionUrlsPerStreamPerSecond must be at least 1")]
    [InlineData("Tenants:acme:PlaybackRates:MediaFragmentsPerSecond", "0", "Tenants:acme:PlaybackRates:MediaFragmentsPerSecond must be at least 1")]
    [InlineData("Tenants:acme:ControlPlaneRequestsPerSecond", "0", "Tenants:acme:ControlPlaneRequestsPerSecond must be at least 1")]
    [InlineData("Tenants:acme:MaxExpiresSeconds", "100000", "Tenants:acme:MaxExpiresSeconds must be between 300 and 43200")]
    [InlineData("Tenants:acme:MonthlyOutgoingBytesBudget", "-5", "Tenants:acme:MonthlyOutgoingBytesBudget must not be negative")]
    [InlineData("Tenants:acme:AllowedPlaybackModes:0", "LIVEISH", "'LIVEISH' is not LIVE, LIVE_REPLAY or ON_DEMAND")]
    [InlineData("Tenants:acme:Streams:0", "", "Tenants:acme:Streams: a tenant needs a stream scope")]
    [InlineData("Tenants:acme:AccessKeys:0:SecretAccessKey", "", "Tenants:acme:AccessKeys:0: no secret")]
    public void A_bad_tenant_setting_is_named(string key, string value, string message)
    {
        (string, string)[] valid = [("Tenants:acme:AccessKeys:0:AccessKeyId", "AKIDACME"), ("Tenants:acme:AccessKeys:0:SecretAccessKey", "acme-secret"), ("Tenants:acme:Streams:0", "acme-*")];
        var problems = TenantValidation.Validate(Options([.. valid.Where(v => v.Item1 != key), (key, value)]), development: false);
        Assert.Contains(problems, p => p.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_tenant_with_no_streams_or_a_name_unfit_for_keys_is_refused()
    {
        var problems = TenantValidation.Validate(Options(("Tenants:a c m e:AccessKeys:0:AccessKeyId", "AKIDACME"), ("Tenants:a c m e:AccessKeys:0:SecretAccessKey", "acme-secret")), development: false);
        Assert.Contains(problems, p => p.Contains("Tenants:a c m e: a tenant name has 1 to 64", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Tenants:a c m e:Streams", StringComparison.Ordinal));
    }

    [Fact]
    public void An_access_key_id_names_one_tenant()
    {
        var problems = TenantValidation.Validate(Options(
            ("Tenants:acme:AccessKeys:0:AccessKeyId", "AKIDSHARED"), ("Tenants:acme:AccessKeys:0:SecretAccessKey", "one"), ("Tenants:acme:Streams:0", "acme-*"),
            ("Tenants:other:AccessKeys:0:AccessKeyId", "AKIDSHARED"), ("Tenants:other:AccessKeys:0:SecretAccessKey", "two"), ("Tenants:other:Streams:0", "other-*")), development: true);
        Assert.Contains(problems, p => p.Contains("AKIDSHARED is also a key of tenant acme", StringComparison.Ordinal));
    }

    [Fact]
    public void The_development_key_is_refused_outside_Development_only()
    {
        var options = Options(("Tenants:demo:AccessKeys:0:AccessKeyId", DevelopmentKeyGuard.DevelopmentAccessKeyId), ("Tenants:demo:AccessKeys:0:SecretAccessKey", DevelopmentKeyGuard.DevelopmentSecret), ("Tenants:demo:Streams:0", "demo*"));
        Assert.Contains(TenantValidation.Validate(options, development: false), p => p.Contains("development key", StringComparison.Ordinal));
        Assert.Empty(TenantValidation.Validate(options, development: true));
    }

    /// <summary>
    /// Before, duplicate key ids were accepted at load (the last tenant silently won the key) and the
    /// published development keys were checked only at start, not when the tenants file reloaded.
    /// </summary>
    [Fact]
    public void A_reload_that_breaks_a_rule_is_refused_and_the_tenants_as_they_were_keep_serving()
    {
        var monitor = new ChangingOptionsMonitor(Options(("Tenants:acme:AccessKeys:0:AccessKeyId", "AKIDACME"), ("Tenants:acme:AccessKeys:0:SecretAccessKey", "acme-secret"), ("Tenants:acme:Streams:0", "acme-*")));
        using var directory = new TenantDirectory(monitor, new HostingEnvironment { EnvironmentName = "Production" }, NullLogger<TenantDirectory>.Instance);

        monitor.Change(Options(
            ("Tenants:acme:AccessKeys:0:AccessKeyId", "AKIDACME"), ("Tenants:acme:AccessKeys:0:SecretAccessKey", "acme-secret"), ("Tenants:acme:Streams:0", "acme-*"),
            ("Tenants:thief:AccessKeys:0:AccessKeyId", "AKIDACME"), ("Tenants:thief:AccessKeys:0:SecretAccessKey", "thief-secret"), ("Tenants:thief:Streams:0", "*")));
        Assert.Equal("acme", directory.FindByAccessKey("AKIDACME")?.Tenant.Name);
        Assert.Null(directory.FindByName("thief"));

        monitor.Change(Options(("Tenants:demo:AccessKeys:0:AccessKeyId", DevelopmentKeyGuard.DevelopmentAccessKeyId), ("Tenants:demo:AccessKeys:0:SecretAccessKey", DevelopmentKeyGuard.DevelopmentSecret), ("Tenants:demo:Streams:0", "*")));
        Assert.Null(directory.FindByAccessKey(DevelopmentKeyGuard.DevelopmentAccessKeyId));
        Assert.NotNull(directory.FindByName("acme"));

        monitor.Change(Options(("Tenants:acme:AccessKeys:0:AccessKeyId", "AKIDACMETWO"), ("Tenants:acme:AccessKeys:0:SecretAccessKey", "acme-secret-2"), ("Tenants:acme:Streams:0", "acme-*")));
        Assert.Null(directory.FindByAccessKey("AKIDACME"));
        Assert.Equal("acme", directory.FindByAccessKey("AKIDACMETWO")?.Tenant.Name);
    }

    [Fact]
    public void A_start_with_a_broken_tenants_configuration_is_refused()
    {
        var monitor = new ChangingOptionsMonitor(Options(("Tenants:acme:AccessKeys:0:AccessKeyId", "AKIDACME"), ("Tenants:acme:AccessKeys:0:SecretAccessKey", "acme-secret")));
        var error = Assert.Throws<InvalidOperationException>(() => new TenantDirectory(monitor, new HostingEnvironment { EnvironmentName = "Production" }, NullLogger<TenantDirectory>.Instance));
        Assert.Contains("Tenants:acme:Streams", error.Message, StringComparison.Ordinal);
    }

    private static TenantOptions Options(params (string Key, string Value)[] values)
    {
        var options = new TenantOptions();
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build().Bind(options);
        return options;
    }

    private sealed class ChangingOptionsMonitor(TenantOptions value) : IOptionsMonitor<TenantOptions>
    {
        private readonly List<Action<TenantOptions, string?>> _listeners = [];

        public TenantOptions CurrentValue { get; private set; } = value;

        public TenantOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<TenantOptions, string?> listener)
        {
            _listeners.Add(listener);
            return null;
        }

        public void Change(TenantOptions options)
        {
            CurrentValue = options;
            foreach (var listener in _listeners)
            {
                listener(options, null);
            }
        }
    }
}
