namespace KvsGateway.Sessions;

/// <summary>
/// A feature that keeps state per session (a concurrency slot, a cache entry) and must let go of it
/// when sessions are revoked. The revoker announces; it does not know who listens.
/// </summary>
public interface IRevocationObserver
{
    /// <summary>Called on the replica that revoked, once the revocation is written to Redis.</summary>
    Task OnRevokedAsync(Revocation revocation);
}
