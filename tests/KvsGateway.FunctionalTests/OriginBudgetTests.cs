using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Signing;
using KvsGateway.Origins;
using KvsGateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace KvsGateway.FunctionalTests;

/// <summary>The gateway's own origin budget, against a real Redis, with a clock the test holds still.</summary>
public sealed class OriginBudgetTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    /// <summary>
    /// Takes that began in one second and takes of the next, interleaved on one window: every one
    /// passes, each second's window spent only by what was taken in it. Before, a late take reset the
    /// replica's share back to its own (older) second and threw away the grant the newer takes had
    /// asked for, and they reset it forward again: the two sides asked Redis for share after share
    /// (500 viewers of a cache larger than its bound saw ~10 fragments a second), filling the old
    /// window with grants no one used until it refused takes far below the limit.
    /// </summary>
    [Fact]
    public async Task Takes_of_two_seconds_interleaved_on_one_window_all_pass_without_wasting_it()
    {
        var windows = new KvsGateway.Quotas.SharedRateWindows(_connection);
        var second = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var takes = Enumerable.Range(0, 400).Select(i => Task.Run(() => windows.TryTakeAsync("kvsgw:test:interleaved", 1, 1000, second + (i % 2)))).ToArray();

        Assert.All(await Task.WhenAll(takes), Assert.True);
        var db = _connection.GetDatabase();
        var granted = (long)await db.StringGetAsync($"kvsgw:test:interleaved:{second}") + (long)await db.StringGetAsync($"kvsgw:test:interleaved:{second + 1}");
        Assert.InRange(granted, 400, 400 + (2 * 1000 / KvsGateway.Quotas.SharedRateWindows.SharesPerWindow));
    }

    /// <summary>
    /// A burst at a second's turn, within the limit, all goes through. Before, every request that
    /// found the replica's share empty asked Redis for one of its own: the first few shares used the
    /// window up and the rest were refused although the limit was far from reached.
    /// </summary>
    [Fact]
    public async Task A_burst_within_the_limit_all_passes_and_the_limit_still_holds_exactly()
    {
        var clock = ClockAt(0.25);
        var budget = Budget(clock, new OriginLimitsOptions { MediaFragmentsPerSession = 1000, MediaFragmentsPerStream = 1000, MaxWait = TimeSpan.Zero });
        var session = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var stream = "budget-" + Guid.NewGuid().ToString("N")[..8];

        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => budget.TakeFragmentAsync(session, stream, init: false, default, default))));

        // The rest of the second's thousand, then one too many.
        for (var i = 64; i < 1000; i++)
        {
            await budget.TakeFragmentAsync(session, stream, init: false, default, default);
        }

        var spent = await Assert.ThrowsAsync<KvsException>(() => budget.TakeFragmentAsync(session, stream, init: false, default, default));
        Assert.Equal(KvsErrorTypes.ClientLimitExceeded, spent.ErrorType);

        clock.Advance(TimeSpan.FromSeconds(1));
        await budget.TakeFragmentAsync(session, stream, init: false, default, default);
    }

    /// <summary>Two replicas share the window: together they never pass it.</summary>
    [Fact]
    public async Task Two_replicas_together_keep_to_the_limit()
    {
        var clock = ClockAt(0.25);
        var limits = new OriginLimitsOptions { MediaFragmentsPerSession = 20, MaxWait = TimeSpan.Zero };
        var replicas = new[] { Budget(clock, limits), Budget(clock, limits) };
        var session = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var passed = 0;
        await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(async () =>
        {
            try
            {
                await replicas[i % 2].TakeFragmentAsync(session, "budget-shared", init: false, default, default);
                Interlocked.Increment(ref passed);
            }
            catch (KvsException ex) when (ex.ErrorType == KvsErrorTypes.ClientLimitExceeded)
            {
                // Past the second's twenty.
            }
        })));

        Assert.InRange(passed, 1, 20);
    }

    /// <summary>
    /// A grant that is slow to come (a loaded machine, a cold script, Redis paused here) is waited
    /// for: the take is counted like any other and finds the window spent. Before, a take gave up on
    /// its grant after a quarter of a second and went to the origin uncounted, so two replicas passed
    /// the limit (21 of 20 in CI) and a crowd's origin session was throttled by the origin itself.
    /// </summary>
    [Fact]
    public async Task A_take_whose_grant_is_slow_waits_for_it_and_is_counted()
    {
        await using var redis = new RedisServer(own: true);
        await redis.InitializeAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var clock = ClockAt(0.25);
        var limits = new OriginLimitsOptions { InitFragmentsPerSession = 1, MaxWait = TimeSpan.Zero };
        var session = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        await Budget(clock, limits, connection).TakeFragmentAsync(session, "budget-slow", init: true, default, default);

        await redis.PauseAsync();
        Task take;
        try
        {
            // Another replica's take, while Redis answers nothing for a second (well within the
            // Redis client's own 5 s timeout, after which Redis counts as down and takes go on).
            take = Budget(clock, limits, connection).TakeFragmentAsync(session, "budget-slow", init: true, default, default);
            await Task.WhenAny(take, Task.Delay(TimeSpan.FromSeconds(1)));
        }
        finally
        {
            await redis.ResumeAsync();
        }

        var spent = await Assert.ThrowsAsync<KvsException>(() => take);
        Assert.Equal(KvsErrorTypes.ClientLimitExceeded, spent.ErrorType);
    }

    /// <summary>
    /// A take that began in one second and got its grant in the next reaches the origin in the next,
    /// where the origin counts it: it is counted there too. Before, it counted in the second it began
    /// (already over), so the new second's window let a full limit more through and the origin,
    /// counting the late one with them, refused one (a crowd on the Redis Cluster, whose two grants of
    /// a fragment go to two nodes, saw the origin's ClientLimitExceededException about one run in four).
    /// </summary>
    [Fact]
    public async Task A_take_whose_grant_comes_in_the_next_second_is_counted_in_that_second()
    {
        await using var redis = new RedisServer(own: true);
        await redis.InitializeAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var clock = ClockAt(0.9);
        var limits = new OriginLimitsOptions { InitFragmentsPerSession = 1, MaxWait = TimeSpan.Zero };
        var session = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

        await redis.PauseAsync();
        Task late;
        try
        {
            late = Budget(clock, limits, connection).TakeFragmentAsync(session, "budget-late", init: true, default, default);
            clock.Advance(TimeSpan.FromMilliseconds(200));
        }
        finally
        {
            await redis.ResumeAsync();
        }

        await late;

        // Another replica, in the second the late take went to the origin in: its one is used.
        var spent = await Assert.ThrowsAsync<KvsException>(() => Budget(clock, limits, connection).TakeFragmentAsync(session, "budget-late", init: true, default, default));
        Assert.Equal(KvsErrorTypes.ClientLimitExceeded, spent.ErrorType);
    }

    /// <summary>
    /// A request taken in a second's last moments may reach the origin in the next second, where the
    /// origin counts it: it is counted in both windows. Before, the next second's window let its full
    /// limit through besides, and the origin refused one of them.
    /// </summary>
    [Fact]
    public async Task A_take_at_a_seconds_very_end_is_counted_in_the_next_second_too()
    {
        var clock = ClockAt(0.95);
        var limits = new OriginLimitsOptions { InitFragmentsPerSession = 1, MaxWait = TimeSpan.Zero };
        var session = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        await Budget(clock, limits).TakeFragmentAsync(session, "budget-edge", init: true, default, default);

        clock.Advance(TimeSpan.FromMilliseconds(100));

        var spent = await Assert.ThrowsAsync<KvsException>(() => Budget(clock, limits).TakeFragmentAsync(session, "budget-edge", init: true, default, default));
        Assert.Equal(KvsErrorTypes.ClientLimitExceeded, spent.ErrorType);

        // Well inside a second a take counts in that second alone.
        clock.Advance(TimeSpan.FromSeconds(1.45));
        await Budget(clock, limits).TakeFragmentAsync(session, "budget-edge", init: true, default, default);
        clock.Advance(TimeSpan.FromSeconds(1));
        await Budget(clock, limits).TakeFragmentAsync(session, "budget-edge", init: true, default, default);
    }

    /// <summary>
    /// Redis in trouble (here a lost connection, as a killed master gives): a take whose grant then
    /// stalls goes on uncounted after a moment instead of waiting for Redis. The failover scenario had
    /// every playing viewer stall ~3 s at the promotion while takes waited for their grants.
    /// </summary>
    [Fact]
    public async Task While_Redis_is_in_trouble_a_take_whose_grant_stalls_goes_on_uncounted()
    {
        await using var redis = new RedisServer(own: true);
        await redis.InitializeAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",abortConnect=false");
        var clock = ClockAt(0.25);
        var budget = Budget(clock, new OriginLimitsOptions { MaxWait = TimeSpan.Zero }, connection);
        await redis.StopAsync();
        await redis.StartAsync();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!await PingsAsync(connection))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "Redis never came back");
            await Task.Delay(100);
        }

        await redis.PauseAsync();
        try
        {
            var take = budget.TakeFragmentAsync(Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()), "budget-trouble", init: false, default, default);
            await Task.WhenAny(take, Task.Delay(TimeSpan.FromSeconds(3)));
            Assert.True(take.IsCompletedSuccessfully, "the take waited for the stalled Redis");
        }
        finally
        {
            await redis.ResumeAsync();
        }
    }

    private static async Task<bool> PingsAsync(IConnectionMultiplexer connection)
    {
        try
        {
            await connection.GetDatabase().PingAsync();
            return true;
        }
        catch (RedisException)
        {
            return false;
        }
    }

    /// <summary>A clock held at <paramref name="fraction"/> of the current second.</summary>
    private static FakeTimeProvider ClockAt(double fraction) =>
        new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).AddSeconds(fraction));

    private OriginBudget Budget(TimeProvider clock, OriginLimitsOptions limits, IConnectionMultiplexer? connection = null) => new(
        new KvsGateway.Quotas.SharedRateWindows(connection ?? _connection),
        new KvsClient(new HttpClient(), new KvsClientOptions { ControlEndpoint = new Uri("http://127.0.0.1:1"), Credentials = new AwsCredentials("AKIDBUDGETTEST", "budget-secret") }, clock),
        new StaticOptionsMonitor<OriginLimitsOptions>(limits),
        clock,
        NullLogger<OriginBudget>.Instance);
}
