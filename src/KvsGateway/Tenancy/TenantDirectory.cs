using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace KvsGateway.Tenancy;

/// <summary>
/// The configured tenants, indexed by name and by access key id. The index (with secrets resolved
/// from their references) is rebuilt when configuration reloads, so a lookup costs no I/O.
/// </summary>
public sealed class TenantDirectory : IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile Index _index;

    public TenantDirectory(IOptionsMonitor<TenantOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _index = Build(options.CurrentValue);
        _subscription = options.OnChange(value => _index = Build(value));
    }

    public IReadOnlyCollection<Tenant> All => _index.ByName.Values;

    public (Tenant Tenant, string Secret)? FindByAccessKey(string accessKeyId) =>
        _index.ByAccessKey.TryGetValue(accessKeyId, out var found) ? found : null;

    public Tenant? FindByName(string name) => _index.ByName.GetValueOrDefault(name);

    public void Dispose() => _subscription?.Dispose();

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
                var secret = key.ResolveSecret();
                if (key.AccessKeyId.Length > 0 && secret.Length > 0)
                {
                    byKey[key.AccessKeyId] = (tenant, secret);
                }
            }
        }

        return new Index(byName.ToFrozenDictionary(StringComparer.Ordinal), byKey.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private sealed record Index(FrozenDictionary<string, Tenant> ByName, FrozenDictionary<string, (Tenant Tenant, string Secret)> ByAccessKey);
}
