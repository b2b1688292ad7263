namespace KvsGateway.Sessions;

/// <summary>What a revocation covers: one session, all sessions of a tenant's stream, or all of a tenant's.</summary>
public sealed record Revocation(RevocationScope Scope, string Tenant, string? Stream = null, string? SessionId = null)
{
    public bool Covers(PlaybackSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return Scope switch
        {
            RevocationScope.Session => session.SessionId == SessionId,
            RevocationScope.Stream => session.Tenant == Tenant && session.StreamName == Stream,
            _ => session.Tenant == Tenant,
        };
    }

    /// <summary>The pub/sub message form: <c>session|tenant|id</c>, <c>stream|tenant|name</c>, <c>tenant|tenant</c>.</summary>
    public string ToMessage() => Scope switch
    {
        RevocationScope.Session => $"session|{Tenant}|{SessionId}",
        RevocationScope.Stream => $"stream|{Tenant}|{Stream}",
        _ => $"tenant|{Tenant}",
    };

    public static Revocation? Parse(string? message)
    {
        var parts = message?.Split('|');
        return parts switch
        {
            ["session", var tenant, var id] => new Revocation(RevocationScope.Session, tenant, SessionId: id),
            ["stream", var tenant, var stream] => new Revocation(RevocationScope.Stream, tenant, Stream: stream),
            ["tenant", var tenant] => new Revocation(RevocationScope.Tenant, tenant),
            _ => null,
        };
    }
}
