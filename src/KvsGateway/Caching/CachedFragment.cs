namespace KvsGateway.Caching;

/// <summary>
/// One fragment in the cache, filled once from the origin and read by every viewer that asks for it,
/// while it fills and after: readers are handed each part as soon as it has arrived, so the first
/// viewer waits for no more than the origin's own pace. The body is kept in fixed-size chunks (no
/// copy as it grows, a position finds its chunk by division); a failure reaches every reader.
/// Whoever reads or fills the body holds a lease; the cache holds one while the entry is in it. When
/// the last lease goes, the chunks go back to <see cref="ChunkPool"/> for the next fills.
/// </summary>
public sealed class CachedFragment
{
    /// <summary>The size of each body chunk (below the large-object heap's threshold).</summary>
    public const int ChunkSize = 64 * 1024;

    private readonly TaskCompletionSource<CachedFragmentHeaders> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[]?[] _chunks = [];
    private long _available;
    private long _declaredLength = -1;
    private volatile Exception? _failure;
    private volatile bool _complete;
    private int _leases = 1;
    private FragmentCache? _detachedFrom;

    internal CachedFragment(FragmentKey key, DateTimeOffset expiresAt)
    {
        Key = key;
        ExpiresAt = expiresAt;
    }

    public FragmentKey Key { get; }

    /// <summary>When the origin session ends; the entry is never served after it.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>When a viewer last asked for it (read and written under the cache's lock).</summary>
    internal DateTimeOffset LastAskedAt { get; set; }

    /// <summary>The origin's answer before its body; faults with the origin's error when it failed.</summary>
    public Task<CachedFragmentHeaders> Headers => _headers.Task;

    /// <summary>Body bytes that have arrived so far.</summary>
    public long Available => Volatile.Read(ref _available);

    /// <summary>The whole body has arrived.</summary>
    public bool IsComplete => _complete;

    /// <summary>Why filling stopped short, if it did.</summary>
    public Exception? Failure => _failure;

    /// <summary>Takes a lease on the body; false when the entry has already given its chunks back.</summary>
    public bool TryAcquire()
    {
        var leases = Volatile.Read(ref _leases);
        while (leases > 0)
        {
            var seen = Interlocked.CompareExchange(ref _leases, leases + 1, leases);
            if (seen == leases)
            {
                return true;
            }

            leases = seen;
        }

        return false;
    }

    /// <summary>No one but the cache holds it: no viewer is reading it and no fill is writing it.</summary>
    internal bool IsIdle => Volatile.Read(ref _leases) == 1;

    /// <summary>Gives a lease back; the last one returns the chunks to the pool.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _leases) != 0)
        {
            return;
        }

        var chunks = Interlocked.Exchange(ref _chunks, []);
        foreach (var chunk in chunks)
        {
            if (chunk is not null)
            {
                ChunkPool.Return(chunk);
            }
        }

        Volatile.Read(ref _detachedFrom)?.OnDetachedReleased(DetachedBytes);
    }

    /// <summary>
    /// The cache let go of this entry while readers still held it: its bytes stay counted against the
    /// cache's bound (<see cref="DetachedBytes"/>) until the last reader gives its lease back.
    /// </summary>
    internal void Detach(FragmentCache cache, long bytes)
    {
        DetachedBytes = bytes;
        Volatile.Write(ref _detachedFrom, cache);
    }

    internal long DetachedBytes { get; private set; }

    // The cache's bookkeeping, under its lock.
    internal LinkedListNode<CachedFragment>? Node { get; set; }

    internal long ChargedBytes { get; set; }

    /// <summary>Memory the body's chunks take (the filler's to count against the cache's bound).</summary>
    internal long ChunkBytes { get; private set; }

    /// <summary>
    /// Up to <paramref name="count"/> bytes from <paramref name="position"/>, within one chunk and
    /// within what has arrived; empty when nothing at <paramref name="position"/> has yet.
    /// </summary>
    public ReadOnlyMemory<byte> Read(long position, long count)
    {
        var available = Available;
        if (position >= available || count <= 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var chunks = Volatile.Read(ref _chunks);
        var offset = (int)(position % ChunkSize);
        var length = (int)Math.Min(Math.Min(ChunkSize - offset, available - position), count);
        return chunks[position / ChunkSize].AsMemory(offset, length);
    }

    /// <summary>Copies what has arrived from <paramref name="position"/> on into <paramref name="destination"/>, across chunks; the bytes copied.</summary>
    public int CopyTo(long position, Span<byte> destination)
    {
        var copied = 0;
        while (copied < destination.Length)
        {
            var part = Read(position + copied, destination.Length - copied);
            if (part.IsEmpty)
            {
                break;
            }

            part.Span.CopyTo(destination[copied..]);
            copied += part.Length;
        }

        return copied;
    }

    /// <summary>Completes when more than <paramref name="position"/> bytes have arrived, or the body is complete or has failed.</summary>
    public Task WaitForAsync(long position, CancellationToken cancellationToken)
    {
        // The signal is taken before the check: a write after the check completes this very signal.
        var signal = Volatile.Read(ref _changed);
        return Available > position || _complete || _failure is not null ? Task.CompletedTask : signal.Task.WaitAsync(cancellationToken);
    }

    internal void SetHeaders(CachedFragmentHeaders headers)
    {
        if (headers.Length is > 0 and var length)
        {
            _chunks = new byte[]?[(length + ChunkSize - 1) / ChunkSize];
            _declaredLength = length;
        }

        _headers.TrySetResult(headers);
    }

    /// <summary>Where the next bytes from the origin go: the free part of the current chunk.</summary>
    internal Memory<byte> GetWriteBuffer()
    {
        var available = _available;
        var index = (int)(available / ChunkSize);
        var chunks = _chunks;
        if (index >= chunks.Length)
        {
            // No declared length: grow the table (readers keep the one they read; chunks are shared).
            var grown = new byte[]?[Math.Max(4, chunks.Length * 2)];
            chunks.CopyTo(grown, 0);
            Volatile.Write(ref _chunks, grown);
            chunks = grown;
        }

        // Every chunk is full-size (so any can be reused for any fragment); the last one of a declared
        // length is only filled as far as the body goes.
        var chunk = chunks[index];
        if (chunk is null)
        {
            chunks[index] = chunk = ChunkPool.Rent();
            ChunkBytes += ChunkSize;
        }

        var offset = (int)(available % ChunkSize);
        var end = _declaredLength < 0 ? ChunkSize : (int)Math.Min(ChunkSize, _declaredLength - ((long)index * ChunkSize));
        return chunk.AsMemory(offset, end - offset);
    }

    internal void Advance(int count)
    {
        Volatile.Write(ref _available, _available + count);
        Signal();
    }

    internal void Complete()
    {
        _complete = true;
        Signal();
    }

    internal void Fail(Exception failure)
    {
        _failure = failure;
        _headers.TrySetException(failure);
        Signal();
    }

    private void Signal() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
