using System.Globalization;
using StackExchange.Redis;

namespace KvsGateway.Metering;

/// <summary>
/// Applies batches to Redis: per tenant, one atomic script that first sets the batch's marker
/// (SET NX) and increments only if the marker was new, so a retried or replayed batch never bills
/// twice. Every key of a tenant's part shares the hash tag <c>{t:tenant}</c> (one Cluster slot).
/// </summary>
public sealed class UsageStore
{
    /// <summary>How long a batch id is remembered; a spool older than this could double-bill on replay.</summary>
    public static readonly TimeSpan MarkerLifetime = TimeSpan.FromDays(35);

    /// <summary>Usage hours and months are kept this long for billing exports.</summary>
    public static readonly TimeSpan UsageRetention = TimeSpan.FromDays(400);

    private static readonly TimeSpan SessionUsageRetention = TimeSpan.FromDays(2);

    // KEYS[1] marker; KEYS[2..ARGV[3]-1] billing keys; KEYS[ARGV[3]..] session keys.
    // ARGV[1] marker ttl, ARGV[2] billing ttl, ARGV[4] session ttl, then (key index, op, field, value)
    // quads: op h = HINCRBY, i = INCRBY, l = RPUSH (a viewer record). Values stay strings: Lua numbers are doubles.
    private const string ApplyScript = """
        if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
        local i = 5
        while i <= #ARGV do
          local key = KEYS[tonumber(ARGV[i])]
          local op = ARGV[i + 1]
          if op == 'h' then
            redis.call('HINCRBY', key, ARGV[i + 2], ARGV[i + 3])
          elseif op == 'i' then
            redis.call('INCRBY', key, ARGV[i + 3])
          else
            redis.call('RPUSH', key, ARGV[i + 3])
          end
          i = i + 4
        end
        local firstSession = tonumber(ARGV[3])
        for k = 2, #KEYS do
          redis.call('EXPIRE', KEYS[k], k < firstSession and ARGV[2] or ARGV[4])
        end
        return 1
        """;

    private readonly IConnectionMultiplexer _redis;

    public UsageStore(IConnectionMultiplexer redis)
    {
        _redis = redis;
    }

    /// <summary>Applies every tenant's part of the batch; parts already applied are skipped.</summary>
    public async Task ApplyAsync(UsageBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var db = _redis.GetDatabase();
        var tenants = batch.Counts.Keys.Select(k => k.Tenant).Concat(batch.Viewers.Select(v => v.Tenant)).Distinct(StringComparer.Ordinal);
        foreach (var tenant in tenants)
        {
            var billing = new List<RedisKey>();
            var sessions = new List<RedisKey>();
            var operations = new List<(RedisKey Key, bool Session, char Op, string Field, string Value)>();

            // A busy second holds thousands of sessions of a few streams: the tenant's hour and month
            // totals are summed here, so Redis increments each field once, not once per session.
            var totals = new Dictionary<(RedisKey Key, char Op, string Field), long>();
            foreach (var (key, counts) in batch.Counts.Where(p => p.Key.Tenant == tenant))
            {
                var hourKey = (RedisKey)UsageKeys.TenantHourUsage(key.Tenant, key.Hour);
                var prefix = $"{key.Stream}|{key.Api}|";
                Add(totals, (hourKey, 'h', prefix + "OutgoingBytes"), counts.Bytes);
                Add(totals, (hourKey, 'h', prefix + "Requests"), counts.Requests);
                Add(totals, (hourKey, 'h', prefix + "Success"), counts.Successes);
                Add(totals, (hourKey, 'h', prefix + "LatencyMicroseconds"), counts.LatencyMicroseconds);
                Add(totals, (UsageKeys.TenantMonthBytes(key.Tenant, key.Hour), 'i', string.Empty), counts.Bytes);
                var sessionKey = (RedisKey)UsageKeys.SessionUsage(key.Tenant, key.SessionId);
                operations.Add((sessionKey, true, 'h', key.Api + ".OutgoingBytes", Text(counts.Bytes)));
                operations.Add((sessionKey, true, 'h', key.Api + ".Requests", Text(counts.Requests)));
                operations.Add((sessionKey, true, 'h', key.Api + ".Success", Text(counts.Successes)));
            }

            foreach (var ((key, op, field), value) in totals)
            {
                operations.Add((key, false, op, field, Text(value)));
            }

            foreach (var viewer in batch.Viewers.Where(v => v.Tenant == tenant))
            {
                operations.Add((UsageKeys.TenantHourViewers(tenant, viewer.Time), false, 'l', string.Empty,
                    System.Text.Json.JsonSerializer.Serialize(viewer, MeteringJsonContext.Default.ViewerRecord)));
            }

            // A batch of a busy second holds thousands of sessions: keys are found by hash, not by scanning.
            var seen = new HashSet<RedisKey>();
            foreach (var operation in operations)
            {
                if (seen.Add(operation.Key))
                {
                    (operation.Session ? sessions : billing).Add(operation.Key);
                }
            }

            var keys = new List<RedisKey>(billing.Count + sessions.Count + 1) { UsageKeys.UsageBatchMarker(tenant, batch.Id) };
            keys.AddRange(billing);
            var firstSession = keys.Count + 1;
            keys.AddRange(sessions);
            var index = new Dictionary<RedisKey, int>(keys.Count);
            for (var i = 0; i < keys.Count; i++)
            {
                index[keys[i]] = i + 1;
            }

            var args = new List<RedisValue>
            {
                (long)MarkerLifetime.TotalSeconds,
                (long)UsageRetention.TotalSeconds,
                firstSession,
                (long)SessionUsageRetention.TotalSeconds,
            };
            foreach (var operation in operations.Where(o => o.Value != "0"))
            {
                args.Add(index[operation.Key]);
                args.Add(operation.Op.ToString());
                args.Add(operation.Field);
                args.Add(operation.Value);
            }

            await db.ScriptEvaluateAsync(ApplyScript, [.. keys], [.. args]).ConfigureAwait(false);
            await db.SetAddAsync(UsageKeys.UsageTenants, tenant).ConfigureAwait(false);
        }
    }

    private static void Add(Dictionary<(RedisKey Key, char Op, string Field), long> totals, (RedisKey Key, char Op, string Field) field, long value) =>
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(totals, field, out _) += value;

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
