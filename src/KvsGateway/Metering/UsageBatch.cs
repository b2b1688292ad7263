namespace KvsGateway.Metering;

/// <summary>
/// The counts of one flush interval of one replica. Its id is unique and travels with it (journal,
/// spool, Redis marker), so applying the same batch twice has no effect.
/// </summary>
public sealed record UsageBatch(Guid Id, IReadOnlyDictionary<UsageKey, UsageCounts> Counts, IReadOnlyList<ViewerRecord> Viewers)
{
    public UsageBatchDocument ToDocument() => new()
    {
        Id = Id,
        Entries = [.. Counts.Select(pair => new UsageBatchEntry
        {
            Tenant = pair.Key.Tenant,
            Stream = pair.Key.Stream,
            SessionId = pair.Key.SessionId,
            Api = pair.Key.Api,
            Hour = pair.Key.Hour,
            Bytes = pair.Value.Bytes,
            Requests = pair.Value.Requests,
            Successes = pair.Value.Successes,
            LatencyMicroseconds = pair.Value.LatencyMicroseconds,
        })],
        Viewers = [.. Viewers],
    };

    public static UsageBatch FromDocument(UsageBatchDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var counts = new Dictionary<UsageKey, UsageCounts>();
        foreach (var entry in document.Entries)
        {
            var key = new UsageKey(entry.Tenant, entry.Stream, entry.SessionId, entry.Api, entry.Hour);
            if (!counts.TryGetValue(key, out var value))
            {
                counts[key] = value = new UsageCounts();
            }

            value.Add(entry.Bytes, entry.Requests, entry.Successes, entry.LatencyMicroseconds);
        }

        return new UsageBatch(document.Id, counts, document.Viewers);
    }
}
