namespace KvsGateway.Auditing;

/// <summary>
/// One audit record: what happened, to whom, and the request that did it. Never a token, a
/// secret or a signature; an access key id is an identifier, not a secret, and is kept.
/// </summary>
public sealed record AuditEvent
{
    public required DateTimeOffset Time { get; init; }

    /// <summary><c>session.created</c>, <c>session.revoked</c>, <c>auth.failed</c>, <c>quota.rejected</c>, <c>tenant.disabled</c>, <c>tenant.enabled</c>.</summary>
    public required string Event { get; init; }

    public string? Tenant { get; init; }

    public string? Stream { get; init; }

    public string? SessionId { get; init; }

    public string? RequestId { get; init; }

    public string? AccessKeyId { get; init; }

    public string? RemoteAddress { get; init; }

    /// <summary>The error type, the quota or the revocation scope, as fits the event.</summary>
    public string? Reason { get; init; }

    public string? PlaybackMode { get; init; }
}
