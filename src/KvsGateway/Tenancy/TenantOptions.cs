namespace KvsGateway.Tenancy;

/// <summary>Section <c>Tenants</c>: tenant name to definition.</summary>
public sealed class TenantOptions
{
    public const string SectionName = "Tenants";

    public Dictionary<string, TenantDefinition> Tenants { get; } = new(StringComparer.Ordinal);
}
