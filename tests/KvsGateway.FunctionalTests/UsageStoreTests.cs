using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Metering;
using StackExchange.Redis;

namespace KvsGateway.FunctionalTests;

/// <summary>Batches applied to a real Redis: what the export reads equals what was counted.</summary>
public sealed class UsageStoreTests
{
    [Fact]
    public async Task A_batch_of_many_sessions_adds_up_to_the_same_totals_and_counts_each_session_once_even_when_applied_twice()
    {
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var tenant = "store" + Guid.NewGuid().ToString("N")[..8];
        var hour = new DateTimeOffset(2026, 12, 1, 23, 0, 0, TimeSpan.Zero);
        var next = hour.AddHours(1);

        // 300 sessions over two streams and two hours, each with a session URL and a fragment.
        var counts = new Dictionary<UsageKey, UsageCounts>();
        for (var i = 0; i < 300; i++)
        {
            var stream = i % 3 == 0 ? "cam-a" : "cam-b";
            var at = i % 5 == 0 ? next : hour;
            Count(counts, new UsageKey(tenant, stream, $"s{i}", "GetDASHStreamingSessionURL", at), 0, 1, 1, 100);
            Count(counts, new UsageKey(tenant, stream, $"s{i}", "GetMP4MediaFragment", at), 1000 + i, 1, i % 7 == 0 ? 0 : 1, 50 + i);
        }

        var batch = new UsageBatch(Guid.NewGuid(), counts, []);
        var store = new UsageStore(connection);
        await store.ApplyAsync(batch);
        await store.ApplyAsync(batch);

        var db = connection.GetDatabase();
        foreach (var at in new[] { hour, next })
        {
            var stored = (await db.HashGetAllAsync(UsageKeys.TenantHourUsage(tenant, at))).ToDictionary(e => (string)e.Name!, e => (long)e.Value);
            var expected = new Dictionary<string, long>();
            foreach (var (key, value) in counts.Where(c => c.Key.Hour == at))
            {
                var prefix = $"{key.Stream}|{key.Api}|";
                Sum(expected, prefix + "OutgoingBytes", value.Bytes);
                Sum(expected, prefix + "Requests", value.Requests);
                Sum(expected, prefix + "Success", value.Successes);
                Sum(expected, prefix + "LatencyMicroseconds", value.LatencyMicroseconds);
            }

            Assert.Equal(expected.Where(e => e.Value != 0).OrderBy(e => e.Key, StringComparer.Ordinal), stored.OrderBy(e => e.Key, StringComparer.Ordinal));
        }

        Assert.Equal(counts.Values.Sum(c => c.Bytes), (long)await db.StringGetAsync(UsageKeys.TenantMonthBytes(tenant, hour)));
        for (var i = 0; i < 300; i += 37)
        {
            var session = await db.HashGetAllAsync(UsageKeys.SessionUsage(tenant, $"s{i}"));
            Assert.Equal(1000 + i, (long)session.Single(e => e.Name == "GetMP4MediaFragment.OutgoingBytes").Value);
            Assert.Equal(1, (long)session.Single(e => e.Name == "GetDASHStreamingSessionURL.Requests").Value);
        }
    }

    private static void Count(Dictionary<UsageKey, UsageCounts> counts, UsageKey key, long bytes, long requests, long successes, long latency)
    {
        var value = new UsageCounts();
        value.Add(bytes, requests, successes, latency);
        counts[key] = value;
    }

    private static void Sum(Dictionary<string, long> totals, string field, long value) =>
        totals[field] = totals.GetValueOrDefault(field) + value;
}
