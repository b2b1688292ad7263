using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace KvsGateway.Tenancy;

/// <summary>
/// The configured tenants, indexed by name and by access key id. The index (with secrets resolved
/// from their references) is rebuilt when configuration reloads, so a lookup costs no I/O. A
/// configuration that breaks <see cref="TenantValidation"/> stops the start; on reload it is refused
/// (and logged), and the tenants as they were keep serving.
/// </summary>
public sealed partial class TenantDirectory : IDisposable
{
    private readonly IDisposable? _subscription;
    private readonly bool _development;
    private readonly ILogger<TenantDirectory> _logger;
    private volatile Index _index;

    public TenantDirectory(IOptionsMonitor<TenantOptions> options, IHostEnvironment environment, ILogger<TenantDirectory> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        _development = environment.IsDevelopment();
        _logger = logger;
        var problems = TenantValidation.Validate(options.CurrentValue, _development);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The tenants configuration is invalid: " + string.Join(" ", problems));
        }

        _index = Build(options.CurrentValue);
        _subscription = options.OnChange(Reload);
    }

    public IReadOnlyCollection<Tenant> All => _index.ByName.Values;

    public (Tenant Tenant, string Secret)? FindByAccessKey(string accessKeyId) =>
        _index.ByAccessKey.TryGetValue(accessKeyId, out var found) ? found : null;

    public Tenant? FindByName(string name) => _index.ByName.GetValueOrDefault(name);

    public void Dispose() => _subscription?.Dispose();

    private void Reload(TenantOptions options)
    {
        var problems = TenantValidation.Validate(options, _development);
        if (problems.Count > 0)
        {
            LogReloadRefused(_logger, string.Join(" ", problems));
            return;
        }

        _index = Build(options);
    }

    private static Index Build(TenantOptions options)
    {
        var byName = new Dictionary<string, Tenant>(StringComparer.Ordinal);
        var byKey = new Dictionary<string, (Tenant, string)>(StringComparer.Ordinal);
        foreach (var (name, definition) in options.Tenants)
        {
            var tenant = new Tenant(name, definition);
            byName[name] = tenant;
            foreach (var key in definition.AccessKeys)
            {
                byKey[key.AccessKeyId] = (tenant, key.ResolveSecret());
            }
        }

        return new Index(byName.ToFrozenDictionary(StringComparer.Ordinal), byKey.ToFrozenDictionary(StringComparer.Ordinal));
    }

    [LoggerMessage(1, LogLevel.Error, "A reloaded tenants configuration was refused; the previous one stays in force: {Problems}")]
    private static partial void LogReloadRefused(ILogger logger, string problems);

    private sealed record Index(FrozenDictionary<string, Tenant> ByName, FrozenDictionary<string, (Tenant Tenant, string Secret)> ByAccessKey);
}
