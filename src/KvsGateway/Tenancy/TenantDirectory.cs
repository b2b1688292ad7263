using Microsoft.Extensions.Options;

namespace KvsGateway.Tenancy;

/// <summary>Finds tenants by access key id, following configuration reloads.</summary>
public sealed class TenantDirectory
{
    private readonly IOptionsMonitor<TenantOptions> _options;

    public TenantDirectory(IOptionsMonitor<TenantOptions> options)
    {
        _options = options;
    }

    public (Tenant Tenant, string Secret)? FindByAccessKey(string accessKeyId)
    {
        foreach (var (name, definition) in _options.CurrentValue.Tenants)
        {
            foreach (var key in definition.AccessKeys)
            {
                if (string.Equals(key.AccessKeyId, accessKeyId, StringComparison.Ordinal) && key.SecretAccessKey.Length > 0)
                {
                    return (new Tenant(name, definition), key.SecretAccessKey);
                }
            }
        }

        return null;
    }
}
