namespace KvsGateway.Metering;

/// <summary>
/// Bills each HTTP/1.1 response of one connection for the bytes the viewer's machine acknowledged.
/// A response whose bytes are all acknowledged when it ends is recorded at once. One that ends
/// with bytes still unacknowledged is held until the connection's next request (the viewer read
/// all of it) or the connection's end (then what stayed unacknowledged was never delivered). A
/// response cut by the viewer is recorded at once, less what its machine never acknowledged. A held
/// response is also looked at again shortly (10 ms, doubling up to 1 s), so an idle keep-alive
/// connection does not hold its last response's record until it closes.
/// </summary>
public sealed class DeliveryTracker : IDisposable
{
    private readonly UnsentBytesProbe _probe;
    private readonly Lock _gate = new();
    private (long Generation, long Written, Action<long> Record)? _pending;
    private long _generation;

    public DeliveryTracker(UnsentBytesProbe probe)
    {
        _probe = probe;
    }

    /// <summary>A response ended; <paramref name="record"/> receives its delivered bytes, now or when known.</summary>
    public void Complete(long written, bool aborted, Action<long> record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var unacknowledged = _probe.Read() ?? 0;
        if (aborted || unacknowledged == 0)
        {
            record(Math.Max(0, written - unacknowledged));
            return;
        }

        long generation;
        lock (_gate)
        {
            generation = ++_generation;
            _pending = (generation, written, record);
        }

        _ = WatchAsync(generation);
    }

    /// <summary>
    /// Settles a held response: at the next request it was read whole; at the connection's end
    /// whatever is still unacknowledged was not delivered.
    /// </summary>
    public void Settle(bool connectionEnded) => Settle(connectionEnded, generation: null);

    private void Settle(bool connectionEnded, long? generation)
    {
        (long Generation, long Written, Action<long> Record)? pending;
        lock (_gate)
        {
            pending = _pending;
            if (pending is null || (generation is { } only && pending.Value.Generation != only))
            {
                return;
            }

            _pending = null;
        }

        if (pending is { } held)
        {
            var unacknowledged = connectionEnded ? _probe.Read() ?? 0 : 0;
            held.Record(Math.Max(0, held.Written - unacknowledged));
        }
    }

    private async Task WatchAsync(long generation)
    {
        var wait = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            await Task.Delay(wait).ConfigureAwait(false);
            lock (_gate)
            {
                if (_pending is not { } pending || pending.Generation != generation)
                {
                    return;
                }
            }

            if (_probe.Read() is 0 or null)
            {
                Settle(connectionEnded: false, generation);
                return;
            }

            wait = TimeSpan.FromMilliseconds(Math.Min(1000, wait.TotalMilliseconds * 2));
        }
    }

    public void Dispose()
    {
        Settle(connectionEnded: true);
        _probe.Dispose();
    }
}
