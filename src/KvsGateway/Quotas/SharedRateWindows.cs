using System.Collections.Concurrent;
using System.Globalization;
using KvsGateway.Outages;
using StackExchange.Redis;

namespace KvsGateway.Quotas;

/// <summary>
/// One-second windows counted in Redis and shared by every replica, spent in memory: a replica
/// takes a share of a window's limit at a time (one refill at a time per window; the requests that
/// find the share empty wait for that one), so a busy window costs a Redis call per share, not per
/// request. What a replica leaves unspent at the second's end is not used by others: a limit is
/// never passed, only approached. A limit below <see cref="SharesPerWindow"/> is taken one at a time, exactly.
/// </summary>
public sealed class SharedRateWindows
{
    /// <summary>A replica takes this share of a window's limit at a time.</summary>
    public const int SharesPerWindow = 8;

    // Grants what is asked (ARGV[2], at least ARGV[1]) of the window's free part, or nothing when
    // not even ARGV[1] is free; the window key expires after two seconds.
    private const string GrantScript = """
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        local free = tonumber(ARGV[3]) - used
        if free < tonumber(ARGV[1]) then return 0 end
        local grant = math.min(tonumber(ARGV[2]), free)
        redis.call('INCRBY', KEYS[1], grant)
        redis.call('PEXPIRE', KEYS[1], 2000)
        return grant
        """;

    private const int MaxLeases = 10_000;

    /// <summary>How long a take waits for a grant before it asks whether Redis is in trouble.</summary>
    private static readonly TimeSpan GrantWait = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a lost connection or an outage answer keeps Redis "in trouble".</summary>
    private static readonly TimeSpan TroubleMemory = TimeSpan.FromSeconds(10);

    private readonly IConnectionMultiplexer _redis;
    private readonly ConcurrentDictionary<string, Lease> _leases = new(StringComparer.Ordinal);

    /// <summary>When Redis last lost a connection or answered an outage (a timestamp); 0 for never.</summary>
    private long _lastTrouble;

    public SharedRateWindows(IConnectionMultiplexer redis)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        redis.ConnectionFailed += (_, _) => MarkTrouble();
    }

    // Real time, whatever clock the rules are read from: Redis answers (or not) in it.
    private bool InTrouble
    {
        get
        {
            var last = Volatile.Read(ref _lastTrouble);
            return last != 0 && TimeProvider.System.GetElapsedTime(last) < TroubleMemory;
        }
    }

    /// <summary>
    /// Takes <paramref name="cost"/> of the window <paramref name="key"/> (a Redis key; <c>:second</c>
    /// is appended) for <paramref name="second"/> (Unix seconds); false when the window is spent.
    /// </summary>
    public async Task<bool> TryTakeAsync(string key, int cost, int limit, long second)
    {
        if (_leases.Count > MaxLeases)
        {
            foreach (var pair in _leases)
            {
                if (pair.Value.Second < second)
                {
                    _leases.TryRemove(pair);
                }
            }
        }

        var lease = _leases.GetOrAdd(key, static _ => new Lease());
        while (true)
        {
            Task<long> refill;
            lock (lease)
            {
                // A take that began in an earlier second counts in the lease's current one: moving
                // the lease back would throw away the newer second's grant, and the two would undo
                // each other's refills without end.
                second = Math.Max(second, lease.Second);
                if (lease.Second != second)
                {
                    lease.Second = second;
                    lease.Remaining = 0;
                    lease.Spent = false;
                    lease.Refill = null;
                }

                if (lease.Remaining >= cost)
                {
                    lease.Remaining -= cost;
                    return true;
                }

                if (lease.Spent)
                {
                    return false;
                }

                refill = lease.Refill ??= GrantAsync(key, cost, limit, second);
            }

            try
            {
                // A slow grant on a healthy Redis (a busy machine, a cold script) is waited for: a take
                // that went on without it would pass uncounted, and replicas together would pass the
                // limit. While Redis is in trouble (a connection lost or an outage answered in the last
                // seconds: a failover under way) a take waits a quarter of a second, then the caller
                // is told the window could not be counted (a TimeoutException) and lets the request
                // through, as when Redis is down: playing viewers do not stall on a promotion.
                while (true)
                {
                    try
                    {
                        await refill.WaitAsync(GrantWait, TimeProvider.System).ConfigureAwait(false);
                        break;
                    }
                    catch (TimeoutException) when (!InTrouble)
                    {
                    }
                }
            }
            finally
            {
                // The first waiter back applies the grant; the others find it in Remaining. A grant
                // still on its way stays the lease's, so later takes join it instead of asking again.
                lock (lease)
                {
                    if (lease.Refill == refill && refill.IsCompleted)
                    {
                        lease.Refill = null;
                        if (refill.IsCompletedSuccessfully && lease.Second == second)
                        {
                            if (refill.Result < cost)
                            {
                                lease.Spent = true;
                            }
                            else
                            {
                                lease.Remaining += refill.Result;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Returns <paramref name="cost"/> taken of <paramref name="second"/>'s window to this replica's share (it was not used).</summary>
    public void GiveBack(string key, int cost, long second)
    {
        if (_leases.TryGetValue(key, out var lease))
        {
            lock (lease)
            {
                if (lease.Second == second)
                {
                    lease.Remaining += cost;
                }
            }
        }
    }

    private async Task<long> GrantAsync(string key, int cost, int limit, long second)
    {
        var share = Math.Max(cost, limit / SharesPerWindow);
        try
        {
            return (long)await _redis.GetDatabase().ScriptEvaluateAsync(GrantScript, [(RedisKey)$"{key}:{second.ToString(CultureInfo.InvariantCulture)}"], [cost, share, limit]).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisOutageTranslator.IsOutage(ex))
        {
            MarkTrouble();
            throw;
        }
    }

    private void MarkTrouble() => Volatile.Write(ref _lastTrouble, TimeProvider.System.GetTimestamp());

    private sealed class Lease
    {
        public long Second { get; set; }

        public long Remaining { get; set; }

        /// <summary>Redis said nothing of this second's window is free.</summary>
        public bool Spent { get; set; }

        /// <summary>The share being asked of Redis, if one is.</summary>
        public Task<long>? Refill { get; set; }
    }
}
