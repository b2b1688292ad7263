namespace KvsGateway.Admin;

/// <summary>A tenant as the admin API lists it.</summary>
public sealed record TenantSummary(string Name, bool Disabled, long ActiveSessions, IReadOnlyList<string> Streams);
