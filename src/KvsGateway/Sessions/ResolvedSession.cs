using KvsGateway.Tenancy;

namespace KvsGateway.Sessions;

/// <summary>The request feature a playback request carries once its token is resolved: its session, tenant and the token itself.</summary>
public sealed record ResolvedSession(PlaybackSession Session, Tenant Tenant, string Token);
