namespace KvsGateway.Tenancy;

/// <summary>One SigV4 key pair of a tenant. The secret is never logged.</summary>
public sealed class TenantAccessKey
{
    public string AccessKeyId { get; set; } = string.Empty;

    public string SecretAccessKey { get; set; } = string.Empty;

    public override string ToString() => AccessKeyId;
}
