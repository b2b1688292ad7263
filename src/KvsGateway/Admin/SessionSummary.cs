namespace KvsGateway.Admin;

/// <summary>An open session as the admin API lists it; never its token.</summary>
public sealed record SessionSummary(string SessionId, string Stream, string? PlaybackMode, DateTimeOffset? CreatedAt, DateTimeOffset ExpiresAt);
