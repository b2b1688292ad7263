using KvsGateway.Sessions;

namespace KvsGateway.Quotas;

/// <summary>A revoked session frees its tenant's concurrent-session slot; a stream's or a tenant's revocation frees all of theirs.</summary>
public sealed class ConcurrentSessionsRevocationObserver : IRevocationObserver
{
    private readonly ConcurrentSessions _open;

    public ConcurrentSessionsRevocationObserver(ConcurrentSessions open)
    {
        _open = open;
    }

    public Task OnRevokedAsync(Revocation revocation)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        return revocation.Scope switch
        {
            RevocationScope.Session when revocation.Stream is not null => _open.ReleaseAsync(revocation.Tenant, revocation.Stream, revocation.SessionId!),
            RevocationScope.Session => Task.CompletedTask,
            RevocationScope.Stream => _open.ReleaseStreamAsync(revocation.Tenant, revocation.Stream!),
            _ => _open.ReleaseTenantAsync(revocation.Tenant),
        };
    }
}
