namespace KvsGateway.Metering;

/// <summary>What one usage count is attributed to.</summary>
public readonly record struct UsageKey(string Tenant, string Stream, string SessionId, string Api, DateTimeOffset Hour);
