namespace KvsGateway.Auditing;

/// <summary>The names of audit events.</summary>
public static class AuditEvents
{
    public const string SessionCreated = "session.created";
    public const string SessionRevoked = "session.revoked";
    public const string AuthenticationFailed = "auth.failed";
    public const string QuotaRejected = "quota.rejected";
    public const string TenantDisabled = "tenant.disabled";
    public const string TenantEnabled = "tenant.enabled";
}
