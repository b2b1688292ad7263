namespace KvsGateway.Metering;

/// <summary>What one usage count is attributed to: tenant, stream, session, KVS API and the UTC hour.</summary>
public readonly record struct UsageKey(string Tenant, string Stream, string SessionId, string Api, DateTimeOffset Hour);
