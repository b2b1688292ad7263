
namespace KvsGateway.Delivery;

/// <summary>
/// Bills each HTTP/1.1 response of one connection for the body bytes the viewer's machine
/// acknowledged. The connection's byte stream is numbered by what Kestrel handed its transport;
/// a response's body ends at the position recorded after its last write that reached the transport,
/// and whatever of it lies beyond the kernel's acknowledged total has not arrived, wherever it still
/// is (the transport's buffer, the kernel, or nowhere once this process dies). Writes dropped by a
/// dead connection are not billed at all. A response that ends whole is held until the
/// connection's next request (the viewer read all of it), the connection's end (then what stayed
/// unacknowledged was never delivered) or a look that finds it acknowledged. A response cut by the viewer is recorded at once, less what its
/// machine never acknowledged. A held response is also looked at again shortly (<see cref="DeliveryWatch"/>),
/// so an idle keep-alive connection does not hold its last response's record until it closes.
/// </summary>
public sealed class DeliveryTracker : IDisposable
{
    /// <summary>How long a connection's end waits for its last response to be acknowledged.</summary>
    internal static readonly TimeSpan EndGrace = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan EndLook = TimeSpan.FromMilliseconds(10);

    private readonly AcknowledgedBytesProbe _probe;
    private readonly TransportOutputCounter _output;
    private readonly DeliveryWatch _watch;
    private readonly Lock _gate = new();
    private (long Generation, long Written, long End, Action<long> Record)? _pending;
    private long _generation;

    internal DeliveryTracker(AcknowledgedBytesProbe probe, TransportOutputCounter output, DeliveryWatch watch)
    {
        _probe = probe;
        _output = output;
        _watch = watch;
    }

    /// <summary>The connection's position: bytes handed to its transport so far.</summary>
    public long Position => _output.BytesHanded;

    /// <summary>A response ended; <paramref name="record"/> receives its delivered body bytes, now or when known.</summary>
    public void Complete(CountingResponseBodyFeature body, bool aborted, Action<long> record)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(record);
        var written = body.BytesHanded;
        var end = body.EndPosition;
        if (aborted || written == 0)
        {
            record(written - Unacknowledged(written, end));
            return;
        }

        // Not probed now: a whole response is settled by the connection's next request (the common
        // case, at no cost), its end, or the watch's first look. Probing every response as it ended
        // cost the 1 MB path a fifth of its throughput and its p99 (bench/README.md).

        long generation;
        lock (_gate)
        {
            generation = ++_generation;
            _pending = (generation, written, end, record);
        }

        _watch.Add(this, generation);
    }

    /// <summary>
    /// Settles a held response: at the next request it was read whole; at the connection's end
    /// whatever is still unacknowledged was not delivered.
    /// </summary>
    public void Settle(bool connectionEnded) => Settle(connectionEnded, generation: null);

    public void Dispose()
    {
        Settle(connectionEnded: true);
        _probe.Dispose();
    }

    private void Settle(bool connectionEnded, long? generation)
    {
        (long Generation, long Written, long End, Action<long> Record)? pending;
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
            held.Record(held.Written - (connectionEnded ? Unacknowledged(held.Written, held.End) : 0));
        }
    }

    /// <summary>
    /// The connection is ending with its held response not all acknowledged: the server may end a
    /// connection whose viewer is still receiving its last response (a graceful stop, a keep-alive
    /// timeout), and the kernel goes on delivering it after the close. So look again every few
    /// milliseconds, for up to <see cref="EndGrace"/> while the connection is not reset, before the
    /// end settles it; billing it as lost billed a rolling restart short of what viewers received.
    /// </summary>
    internal async Task AwaitAcknowledgementAsync(TimeProvider time)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            long written, end;
            lock (_gate)
            {
                if (_pending is not { } pending)
                {
                    return;
                }

                (written, end) = (pending.Written, pending.End);
            }

            if (Unacknowledged(written, end) == 0 || _probe.IsClosed() || time.GetElapsedTime(started) >= EndGrace)
            {
                return;
            }

            await Task.Delay(EndLook, time).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Looks again at the held response <paramref name="generation"/>: settles it once acknowledged;
    /// true while it is still held and unacknowledged.
    /// </summary>
    internal bool Recheck(long generation)
    {
        long written, end;
        lock (_gate)
        {
            if (_pending is not { } pending || pending.Generation != generation)
            {
                return false;
            }

            (written, end) = (pending.Written, pending.End);
        }

        if (Unacknowledged(written, end) == 0)
        {
            Settle(connectionEnded: false, generation);
            return false;
        }

        return true;
    }

    /// <summary>Body bytes ending at <paramref name="end"/> not yet acknowledged (none when the kernel cannot say).</summary>
    private long Unacknowledged(long written, long end) =>
        _probe.Read() is { } acknowledged ? Math.Clamp(end - acknowledged, 0, written) : 0;
}
