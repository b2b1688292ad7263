namespace KvsGateway.Metering;

/// <summary>What an export covers: one tenant or all (<c>null</c>), one stream or all, a time range, hours or days, JSON or CSV.</summary>
public sealed record UsageExportRequest(string? Tenant, string? Stream, DateTimeOffset From, DateTimeOffset To, bool Daily, bool Csv);
