namespace KvsGateway.Metering;

/// <summary>What one usage count is attributed to: tenant, stream, session, KVS API and the UTC hour.</summary>
public readonly record struct UsageKey(string Tenant, string Stream, string SessionId, string Api, DateTimeOffset Hour)
{
    /// <summary>
    /// The stream a refused call is counted under. Whatever name the caller sent is not a stream of
    /// theirs until a session for it exists, and what a caller typed never becomes a key, a field,
    /// a label or an export cell. No KVS stream name can contain parentheses.
    /// </summary>
    public const string RefusedStream = "(refused)";

    /// <summary>The session of a call that opened none.</summary>
    public const string NoSession = "-";
}
