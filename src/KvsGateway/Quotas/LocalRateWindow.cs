using System.Collections.Concurrent;

namespace KvsGateway.Quotas;

/// <summary>
/// Fixed one-second windows counted in this replica's memory: no Redis round trip on the fragment
/// path. Used for a session's KVS-default playback rates, which the origin used to enforce when every
/// viewer had an origin session of its own; a viewer whose requests are spread over R replicas can
/// reach R times the rate (players keep their connections, so they rarely are). Bounded: windows of
/// past seconds are dropped once there are many.
/// </summary>
public sealed class LocalRateWindow
{
    private const int SweepAbove = 100_000;

    private readonly ConcurrentDictionary<(string Key, string Kind), Window> _windows = new();
    private readonly TimeProvider _time;

    public LocalRateWindow(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Counts one use of (<paramref name="key"/>, <paramref name="kind"/>) in the current second; false when that exceeds <paramref name="limit"/>.</summary>
    public bool TryTake(string key, string kind, int limit)
    {
        var second = _time.GetUtcNow().ToUnixTimeSeconds();
        if (_windows.Count > SweepAbove)
        {
            foreach (var pair in _windows)
            {
                if (pair.Value.Second < second)
                {
                    _windows.TryRemove(pair);
                }
            }
        }

        var window = _windows.AddOrUpdate((key, kind), static (_, s) => new Window(s, 1), static (_, old, s) => old.Second == s ? old with { Used = old.Used + 1 } : new Window(s, 1), second);
        return window.Used <= limit;
    }

    private sealed record Window(long Second, int Used);
}
