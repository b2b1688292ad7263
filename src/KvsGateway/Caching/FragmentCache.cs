using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace KvsGateway.Caching;

/// <summary>
/// Fragments shared by the viewers of an origin session, in memory, bounded by bytes
/// (<see cref="FragmentCacheOptions.FragmentCacheBytes"/>) and evicted least recently used first.
/// The first request for a fragment creates its entry and fills it; every request for it meanwhile
/// reads the same entry (one origin fetch). An entry leaves when its origin session ends, when it
/// failed, or when it is the least recently used and the cache is over its bound. An entry that
/// leaves while viewers still read it keeps counting against the bound until the last of them is
/// done (its memory is not free before); when what is being read and what is still filling take the
/// whole bound, a miss is not admitted (<see cref="GetOrAdd"/> gives no entry) and the request goes
/// to the origin on its own, with a connection's buffers instead of a fragment's worth of memory. The
/// cache knows nothing of tenants or viewers: metering sits around the response.
/// </summary>
public sealed class FragmentCache : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<FragmentKey, CachedFragment> _entries = [];
    private readonly LinkedList<CachedFragment> _recency = new();
    private readonly TimeProvider _time;
    private readonly long _capacity;
    private readonly TimeSpan _idleTime;
    private readonly ITimer _sweeper;
    private long _bytes;

    // Bytes of entries that left the cache while readers still held them (see Detach).
    private long _detached;

    public FragmentCache(IOptions<FragmentCacheOptions> options, TimeProvider time, IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        _capacity = options.Value.FragmentCacheBytes;
        MaxEntryBytes = Math.Min(options.Value.MaxCachedFragmentBytes, Math.Max(1, _capacity));
        _idleTime = options.Value.FragmentIdleTime;
        _time = time;

        // Entries of ended origin sessions, and those idle for the idle time, go within a minute (or
        // half the idle time) even if nothing asks for them again.
        var sweep = TimeSpan.FromTicks(Math.Clamp(_idleTime.Ticks / 2, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        _sweeper = time.CreateTimer(_ => RemoveExpired(), null, sweep, sweep);
        var meter = meters.Create(Metering.PlaybackMetrics.MeterName);
        meter.CreateObservableGauge("kvsgw.fragment_cache.bytes", () => Bytes, "By", "Bytes of fragments held for viewers");
        meter.CreateObservableGauge("kvsgw.fragment_cache.entries", () => Count, "{fragment}", "Fragments held for viewers");

        // Zero when no viewer reads and no fill writes: what is left above zero once load has stopped
        // is a lease nobody gave back (the reliability abort storm checks it).
        meter.CreateObservableGauge("kvsgw.fragment_cache.in_use", () => InUse, "{fragment}", "Cached fragments being read or filled");
        meter.CreateObservableGauge("kvsgw.fragment_cache.detached_bytes", () => DetachedBytes, "By", "Bytes of fragments let go of while still being read");
    }

    /// <summary>Whether the cache is on (a bound above zero).</summary>
    public bool Enabled => _capacity > 0;

    /// <summary>The largest body kept after it has been served.</summary>
    public long MaxEntryBytes { get; }

    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Entries a viewer is reading or a fill is writing (a scan: for the gauge, not the request path).</summary>
    public int InUse
    {
        get
        {
            lock (_gate)
            {
                var count = 0;
                foreach (var entry in _entries.Values)
                {
                    count += entry.IsIdle ? 0 : 1;
                }

                return count;
            }
        }
    }

    /// <summary>Bytes of entries that left the cache but are still being read (counted against the bound).</summary>
    public long DetachedBytes
    {
        get
        {
            lock (_gate)
            {
                return _detached;
            }
        }
    }

    /// <summary>
    /// The entry for <paramref name="key"/>, with a lease on it the caller gives back
    /// (<see cref="CachedFragment.Release"/>) when it has read what it needs, and whether this call
    /// created it, in which case the caller also fills it (under a second lease) and tells the cache
    /// its size (<see cref="Charge"/>) or that it failed (<see cref="Remove"/>). No entry when the
    /// fragment is not cached and there is no room for it: the caller fetches it on its own.
    /// </summary>
    public (CachedFragment? Entry, bool Created) GetOrAdd(FragmentKey key, DateTimeOffset expiresAt)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                if (entry.ExpiresAt > now && entry.Failure is null && entry.TryAcquire())
                {
                    entry.LastAskedAt = now;
                    _recency.Remove(entry.Node!);
                    _recency.AddFirst(entry.Node!);
                    return (entry, false);
                }

                RemoveLocked(entry);
            }

            // Room for one more: idle entries make way; what is filling or being read does not.
            EvictLocked(keep: null, room: 1);
            if (_bytes + _detached + 1 > _capacity)
            {
                return (null, false);
            }

            // The cache's own lease comes with the entry; the caller's is taken here.
            entry = new CachedFragment(key, expiresAt) { LastAskedAt = now };
            entry.TryAcquire();
            entry.Node = _recency.AddFirst(entry);
            _entries.Add(key, entry);
            return (entry, true);
        }
    }

    /// <summary>Counts <paramref name="bytes"/> more of the entry against the bound, evicting the least recently used to make room.</summary>
    public void Charge(CachedFragment entry, long bytes)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            if (entry.Node is null)
            {
                return;
            }

            entry.ChargedBytes += bytes;
            _bytes += bytes;
            EvictLocked(entry, room: 0);
        }
    }

    /// <summary>Takes the entry out (failed, or too large to keep); readers holding it still finish.</summary>
    public void Remove(CachedFragment entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            RemoveLocked(entry);
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private void RemoveExpired()
    {
        var now = _time.GetUtcNow();
        var askedBefore = now - _idleTime;
        lock (_gate)
        {
            for (var node = _recency.Last; node is not null;)
            {
                var previous = node.Previous;
                var entry = node.Value;
                if (entry.ExpiresAt <= now || (entry.LastAskedAt <= askedBefore && entry.IsIdle && (entry.IsComplete || entry.Failure is not null)))
                {
                    RemoveLocked(entry);
                }

                node = previous;
            }
        }
    }

    /// <summary>Called by an entry the cache let go of when its last reader is done.</summary>
    internal void OnDetachedReleased(long bytes)
    {
        lock (_gate)
        {
            _detached -= bytes;
        }
    }

    private void EvictLocked(CachedFragment? keep, long room)
    {
        // Least recently used first, only entries no one is reading: evicting one being read frees
        // no memory (its readers keep it) and loses it for the viewers who would hit it next. So the
        // bound can be passed briefly by what is in flight, never by what is idle.
        for (var node = _recency.Last; node is not null && _bytes + _detached + room > _capacity;)
        {
            var previous = node.Previous;
            var entry = node.Value;
            if (entry != keep && (entry.IsComplete || entry.Failure is not null) && entry.IsIdle)
            {
                RemoveLocked(entry);
            }

            node = previous;
        }
    }

    private void RemoveLocked(CachedFragment entry)
    {
        if (entry.Node is null)
        {
            return;
        }

        _recency.Remove(entry.Node);
        entry.Node = null;
        _entries.Remove(entry.Key);
        _bytes -= entry.ChargedBytes;
        if (entry.ChargedBytes > 0)
        {
            // Until its readers are done the memory is not free: it stays counted (the cache's
            // own release below may be the last, and then it is uncounted at once).
            _detached += entry.ChargedBytes;
            entry.Detach(this, entry.ChargedBytes);
        }

        entry.ChargedBytes = 0;
        entry.Release();
    }
}
