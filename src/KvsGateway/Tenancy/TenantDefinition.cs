namespace KvsGateway.Tenancy;

/// <summary>A tenant of the operator: its keys and the streams it may reach.</summary>
public sealed class TenantDefinition
{
    public List<TenantAccessKey> AccessKeys { get; set; } = [];

    /// <summary>Stream names (with <c>*</c> wildcards) or full stream ARNs the tenant may play.</summary>
    public List<string> Streams { get; set; } = [];
}
