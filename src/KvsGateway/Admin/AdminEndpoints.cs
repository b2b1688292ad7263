using KvsGateway.Kvs.Http;
using KvsGateway.Auditing;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Metering;
using KvsGateway.Quotas;
using KvsGateway.Sessions;
using KvsGateway.Tenancy;

namespace KvsGateway.Admin;

/// <summary>
/// Operator endpoints under <c>/admin</c>, behind the admin bearer token: tenants and their open
/// sessions, quota use, revocation of a session, a stream's sessions or a tenant's, and disabling
/// a tenant. Every change is audited.
/// </summary>
public static class AdminEndpoints
{
    /// <summary>Maps the admin API; the caller puts the returned group on its listener.</summary>
    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin").AddSharedEndpointFilter<AdminAuthorization>().WithTags("Admin");

        admin.MapGet("/tenants", async (TenantDirectory tenants, TenantDisablement disablement, ConcurrentSessions open) =>
        {
            var list = new List<TenantSummary>();
            foreach (var tenant in tenants.All.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                list.Add(new TenantSummary(tenant.Name, await disablement.IsDisabledAsync(tenant), await open.CountAsync(tenant.Name), tenant.Definition.Streams));
            }

            return TypedResults.Json<IReadOnlyList<TenantSummary>>(list, AdminJsonContext.Default.IReadOnlyListTenantSummary);
        }).WithSummary("Lists the configured tenants, whether each is disabled and how many sessions it has open.");

        admin.MapGet("/tenants/{tenant}/sessions", async (string tenant, TenantDirectory tenants, ConcurrentSessions open, SessionStore sessions) =>
        {
            RequireTenant(tenants, tenant);
            var list = new List<SessionSummary>();
            foreach (var entry in await open.ListAsync(tenant))
            {
                var session = await sessions.FindAsync(entry.SessionId);
                list.Add(new SessionSummary(entry.SessionId, entry.Stream, session?.PlaybackMode.ToWire(), session?.CreatedAt, entry.ExpiresAt));
            }

            return TypedResults.Json<IReadOnlyList<SessionSummary>>(list, AdminJsonContext.Default.IReadOnlyListSessionSummary);
        }).WithSummary("Lists a tenant's open sessions (never their tokens).");

        admin.MapGet("/tenants/{tenant}/quota", async (string tenant, TenantDirectory tenants, ConcurrentSessions open, MonthlyBytes monthly) =>
        {
            var definition = RequireTenant(tenants, tenant).Definition;
            var use = new QuotaUse(
                tenant,
                await open.CountAsync(tenant),
                definition.MaxConcurrentSessions,
                await monthly.GetAsync(tenant),
                definition.MonthlyOutgoingBytesBudget,
                definition.SessionUrlsPerStreamPerSecond,
                definition.DataEndpointsPerStreamPerSecond,
                definition.PlaybackRates);
            return TypedResults.Json(use, AdminJsonContext.Default.QuotaUse);
        }).WithSummary("Shows a tenant's open sessions and bytes this month against its limits.");

        admin.MapPost("/tenants/{tenant}/disable", async (string tenant, HttpContext context, TenantDirectory tenants, TenantDisablement disablement, SessionRevoker revoker, AuditLog audit, TimeProvider time) =>
        {
            RequireTenant(tenants, tenant);

            // The flag refuses its calls on every replica; the revocation stops its sessions within a second.
            await disablement.DisableAsync(tenant);
            await revoker.RevokeAsync(new Revocation(RevocationScope.Tenant, tenant));
            await audit.RecordAsync(Event(AuditEvents.TenantDisabled, context, time, tenant));
            return TypedResults.NoContent();
        }).WithSummary("Disables a tenant: its calls are refused and its sessions stop within a second.");

        admin.MapPost("/tenants/{tenant}/enable", async (string tenant, HttpContext context, TenantDirectory tenants, TenantDisablement disablement, AuditLog audit, TimeProvider time) =>
        {
            RequireTenant(tenants, tenant);
            await disablement.EnableAsync(tenant);
            await audit.RecordAsync(Event(AuditEvents.TenantEnabled, context, time, tenant));
            return TypedResults.NoContent();
        }).WithSummary("Lifts a disable made through the admin API (a tenant disabled in configuration stays disabled).");

        admin.MapDelete("/sessions/{sessionId}", async (string sessionId, HttpContext context, SessionStore sessions, SessionRevoker revoker, AuditLog audit, TimeProvider time) =>
        {
            var session = SessionStore.IsSessionId(sessionId) ? await sessions.FindAsync(sessionId) : null;
            if (session is null)
            {
                throw KvsException.ResourceNotFound("No open session has that id.");
            }

            await revoker.RevokeAsync(new Revocation(RevocationScope.Session, session.Tenant, session.StreamName, sessionId));
            await audit.RecordAsync(Event(AuditEvents.SessionRevoked, context, time, session.Tenant, session.StreamName, sessionId, nameof(RevocationScope.Session)));
            return TypedResults.NoContent();
        }).WithSummary("Revokes one session.");

        admin.MapDelete("/tenants/{tenant}/streams/{stream}/sessions", async (string tenant, string stream, HttpContext context, TenantDirectory tenants, SessionRevoker revoker, AuditLog audit, TimeProvider time) =>
        {
            // Both become parts of Redis keys: a configured tenant and a name KVS would accept.
            RequireTenant(tenants, tenant);
            StreamIdentity.Parse(stream, null);
            await revoker.RevokeAsync(new Revocation(RevocationScope.Stream, tenant, Stream: stream));
            await audit.RecordAsync(Event(AuditEvents.SessionRevoked, context, time, tenant, stream, reason: nameof(RevocationScope.Stream)));
            return TypedResults.NoContent();
        }).WithSummary("Revokes every session of a tenant's stream.");

        admin.MapDelete("/tenants/{tenant}/sessions", async (string tenant, HttpContext context, TenantDirectory tenants, SessionRevoker revoker, AuditLog audit, TimeProvider time) =>
        {
            RequireTenant(tenants, tenant);
            await revoker.RevokeAsync(new Revocation(RevocationScope.Tenant, tenant));
            await audit.RecordAsync(Event(AuditEvents.SessionRevoked, context, time, tenant, reason: nameof(RevocationScope.Tenant)));
            return TypedResults.NoContent();
        }).WithSummary("Revokes every session of a tenant.");

        admin.MapGet("/usage", (HttpContext context, UsageExport export, TimeProvider time) =>
            Export(context, time, (request, body, cancellationToken) => export.WriteUsageAsync(request, body, cancellationToken)))
            .WithSummary("Exports usage per tenant, stream, API and period: tenant, stream, from, to (ISO 8601), granularity=hour|day, format=json|csv.");
        admin.MapGet("/viewer-records", (HttpContext context, UsageExport export, TimeProvider time) =>
            Export(context, time, (request, body, cancellationToken) => export.WriteViewersAsync(request, body, cancellationToken)))
            .WithSummary("Exports a tenant's viewer records (Metering:ViewerRecords): tenant, stream, from, to, format=json|csv.");

        return admin;
    }

    /// <summary>An export written as it is read: the query parsed here, the rows by <see cref="UsageExport"/>.</summary>
    private static async Task Export(HttpContext context, TimeProvider time, Func<UsageExportRequest, System.IO.Pipelines.PipeWriter, CancellationToken, Task> write)
    {
        var request = UsageExportQuery.Parse(context.Request.Query, time.GetUtcNow());
        context.Response.ContentType = request.Csv ? "text/csv; charset=utf-8" : "application/json";
        await write(request, context.Response.BodyWriter, context.RequestAborted);
    }

    private static Tenant RequireTenant(TenantDirectory tenants, string name) =>
        tenants.FindByName(name) ?? throw KvsException.ResourceNotFound($"No tenant is named {name}.");

    private static AuditEvent Event(string name, HttpContext context, TimeProvider time, string tenant, string? stream = null, string? sessionId = null, string? reason = null) => new()
    {
        Time = time.GetUtcNow(),
        Event = name,
        Tenant = tenant,
        Stream = stream,
        SessionId = sessionId,
        RequestId = KvsErrorResponder.GetRequestId(context),
        Reason = reason,
    };
}
