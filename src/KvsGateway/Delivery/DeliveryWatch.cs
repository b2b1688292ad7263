namespace KvsGateway.Delivery;

/// <summary>
/// Looks again at responses held with body bytes unacknowledged, for every connection of a listener
/// with one timer: each held response is checked 10 ms after it ended, then at doubling intervals up
/// to a second, until it is acknowledged or settled by its connection. The timer stops after a
/// second with nothing held (starting a timer wakes a thread: not once per response). One timer instead of one per response keeps a fragment's cost flat: on a busy
/// keep-alive connection the next request settles the response long before its first look.
/// </summary>
internal sealed class DeliveryWatch
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<Held> _held = [];
    private readonly List<Held> _due = [];
    private ITimer? _timer;
    private int _idleSweeps;
    private int _sweeping;

    public DeliveryWatch(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Responses being watched (settled ones leave at their next look).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    public void Add(DeliveryTracker tracker, long generation) => Add(new Held(tracker, generation, _time.GetTimestamp() + Ticks(First), First));

    private void Add(Held held)
    {
        lock (_gate)
        {
            _held.Add(held);
            _timer ??= _time.CreateTimer(static state => ((DeliveryWatch)state!).Sweep(), this, First, First);
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
            var now = _time.GetTimestamp();
            lock (_gate)
            {
                for (var i = _held.Count - 1; i >= 0; i--)
                {
                    if (_held[i].Due <= now)
                    {
                        _due.Add(_held[i]);
                        _held[i] = _held[^1];
                        _held.RemoveAt(_held.Count - 1);
                    }
                }
            }

            foreach (var held in _due)
            {
                if (held.Tracker.Recheck(held.Generation))
                {
                    var wait = TimeSpan.FromTicks(Math.Min(Longest.Ticks, held.Wait.Ticks * 2));
                    Add(held with { Due = now + Ticks(wait), Wait = wait });
                }
            }

            _due.Clear();
            lock (_gate)
            {
                _idleSweeps = _held.Count == 0 ? _idleSweeps + 1 : 0;
                if (_idleSweeps * First >= Longest)
                {
                    _timer?.Dispose();
                    _timer = null;
                    _idleSweeps = 0;
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
