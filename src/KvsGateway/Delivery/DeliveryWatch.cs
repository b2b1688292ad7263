using System.Collections.Concurrent;

namespace KvsGateway.Delivery;

/// <summary>
/// Looks again at held responses (ended, not yet settled by their connection) for every connection
/// of a listener, with one timer: each is looked at a quarter of a second after it ended, then at
/// doubling intervals up to a second, until it is acknowledged or settled. On a busy keep-alive
/// connection the next request settles a response long before its first look, so the look only
/// matters for a connection gone idle, whose last response is then billed within about a second.
/// The tick is slow on purpose: a 10 ms tick (100 thread wake-ups a second) cost the 1 MB path a
/// third of its throughput and gave it a p99 of 0.4–1.2 s on one CPU (bench/README.md). Request
/// threads only enqueue, without a lock; the timer stops after a second with nothing held.
/// </summary>
internal sealed class DeliveryWatch
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<Held> _added = new();

    // Owned by the sweep (one at a time).
    private readonly List<Held> _held = [];
    private readonly List<Held> _due = [];
    private int _idleSweeps;

    private ITimer? _timer;
    private int _running;
    private int _sweeping;

    public DeliveryWatch(TimeProvider time)
    {
        _time = time;
    }

    public void Add(DeliveryTracker tracker, long generation)
    {
        _added.Enqueue(new Held(tracker, generation, _time.GetTimestamp() + Ticks(First), First));
        if (Volatile.Read(ref _running) == 0)
        {
            TryStart();
        }
    }

    /// <summary>Starts the timer unless it runs.</summary>
    private void TryStart()
    {
        if (Interlocked.Exchange(ref _running, 1) == 0)
        {
            Volatile.Write(ref _timer, _time.CreateTimer(static state => ((DeliveryWatch)state!).Sweep(), this, First, First));
        }
    }

    private void Sweep()
    {
        // Timer callbacks may overlap when a sweep is slow; one at a time is enough.
        if (Interlocked.Exchange(ref _sweeping, 1) != 0)
        {
            return;
        }

        try
        {
            while (_added.TryDequeue(out var added))
            {
                _held.Add(added);
            }

            var now = _time.GetTimestamp();
            for (var i = _held.Count - 1; i >= 0; i--)
            {
                if (_held[i].Due <= now)
                {
                    _due.Add(_held[i]);
                    _held[i] = _held[^1];
                    _held.RemoveAt(_held.Count - 1);
                }
            }

            foreach (var held in _due)
            {
                if (held.Tracker.Recheck(held.Generation))
                {
                    var wait = TimeSpan.FromTicks(Math.Min(Longest.Ticks, held.Wait.Ticks * 2));
                    _held.Add(held with { Due = now + Ticks(wait), Wait = wait });
                }
            }

            _due.Clear();
            _idleSweeps = _held.Count == 0 && _added.IsEmpty ? _idleSweeps + 1 : 0;
            if (_idleSweeps * First >= Longest)
            {
                // Stop; an Add racing this starts a new timer, and anything it enqueued before
                // seeing the old one running is picked up by that timer's first sweep.
                _idleSweeps = 0;
                Volatile.Read(ref _timer)?.Dispose();
                Volatile.Write(ref _running, 0);
                if (!_added.IsEmpty)
                {
                    TryStart();
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private readonly record struct Held(DeliveryTracker Tracker, long Generation, long Due, TimeSpan Wait);
}
