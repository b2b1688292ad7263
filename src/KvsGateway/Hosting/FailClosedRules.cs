using KvsGateway.Demo;
using KvsGateway.Origins;

namespace KvsGateway.Hosting;

/// <summary>
/// What the gateway refuses to start with outside Development, before anything is started: the
/// stand-ins for real infrastructure (an embedded Garnet for Redis, the embedded emulator as the
/// origin) unless <c>Gateway:AllowEmbeddedDependencies</c> says the operator means it, and the demo
/// (which opens sessions without a signature) in any case. Each refusal names the setting.
/// </summary>
public static class FailClosedRules
{
    public static void Check(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        if (environment.IsDevelopment())
        {
            return;
        }

        if (configuration.GetValue<bool>($"{DemoOptions.SectionName}:{nameof(DemoOptions.Enabled)}"))
        {
            throw new InvalidOperationException($"{DemoOptions.SectionName}:{nameof(DemoOptions.Enabled)} is allowed only in Development: the demo opens sessions without a signature.");
        }

        if (configuration.GetValue<bool>($"{GatewayOptions.SectionName}:{nameof(GatewayOptions.AllowEmbeddedDependencies)}"))
        {
            return;
        }

        var allow = $"set {GatewayOptions.SectionName}:{nameof(GatewayOptions.AllowEmbeddedDependencies)}=true to run with it anyway";
        if (string.IsNullOrWhiteSpace(configuration[$"{RedisOptions.SectionName}:{nameof(RedisOptions.Configuration)}"]))
        {
            throw new InvalidOperationException($"{RedisOptions.SectionName}:{nameof(RedisOptions.Configuration)} is empty: outside Development the gateway needs a real Redis, not the embedded Garnet ({allow}).");
        }

        var mode = configuration[$"{OriginOptions.SectionName}:{nameof(OriginOptions.Mode)}"];
        if (string.IsNullOrEmpty(mode) || Enum.TryParse<OriginMode>(mode, ignoreCase: true, out var parsed) && parsed == OriginMode.Embedded)
        {
            throw new InvalidOperationException($"{OriginOptions.SectionName}:{nameof(OriginOptions.Mode)} is Embedded: outside Development the origin must be AWS or a remote KVS endpoint ({allow}).");
        }
    }
}
