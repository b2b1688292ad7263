using KvsGateway.Sessions;

namespace KvsGateway.Admin;

/// <summary>Operator endpoints under <c>/admin</c>: revoke one session, a tenant's stream's sessions, or a tenant's.</summary>
public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin").AddEndpointFilter<AdminAuthorization>();
        admin.MapDelete("/sessions/{sessionId}", async (string sessionId, SessionStore sessions, SessionRevoker revoker) =>
        {
            var session = await sessions.FindAsync(sessionId);
            if (session is null)
            {
                return Results.NotFound();
            }

            await revoker.RevokeAsync(new Revocation(RevocationScope.Session, session.Tenant, SessionId: sessionId));
            return Results.NoContent();
        });
        admin.MapDelete("/tenants/{tenant}/streams/{stream}/sessions", async (string tenant, string stream, SessionRevoker revoker) =>
        {
            await revoker.RevokeAsync(new Revocation(RevocationScope.Stream, tenant, Stream: stream));
            return Results.NoContent();
        });
        admin.MapDelete("/tenants/{tenant}/sessions", async (string tenant, SessionRevoker revoker) =>
        {
            await revoker.RevokeAsync(new Revocation(RevocationScope.Tenant, tenant));
            return Results.NoContent();
        });
        return endpoints;
    }
}
