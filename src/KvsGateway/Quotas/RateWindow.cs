using System.Globalization;
using StackExchange.Redis;

namespace KvsGateway.Quotas;

/// <summary>
/// Fixed one-second windows counted in Redis, so every replica draws on the same allowance. Each
/// take is one atomic script call (INCR, and PEXPIRE on the first use of a window).
/// </summary>
public sealed class RateWindow
{
    private const string TakeScript = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return n
        """;

    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;

    public RateWindow(IConnectionMultiplexer redis, TimeProvider time)
    {
        _redis = redis;
        _time = time;
    }

    /// <summary>Counts one use of <paramref name="key"/> in the current window; false when that exceeds <paramref name="limit"/>.</summary>
    public async Task<bool> TryTakeAsync(string key, int limit)
    {
        var window = _time.GetUtcNow().ToUnixTimeMilliseconds() / (long)Window.TotalMilliseconds;
        var windowKey = $"{key}:{window.ToString(CultureInfo.InvariantCulture)}";

        // The key outlives its window a little, so clocks a few hundred ms apart still share it.
        var result = await _redis.GetDatabase().ScriptEvaluateAsync(TakeScript, [windowKey], [(long)(Window.TotalMilliseconds * 3)]).ConfigureAwait(false);
        return (long)result <= limit;
    }
}
