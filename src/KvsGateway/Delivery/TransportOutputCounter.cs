using System.IO.Pipelines;

namespace KvsGateway.Delivery;

/// <summary>
/// Sits between Kestrel and a connection's transport and counts every byte Kestrel hands it
/// (headers, bodies, framing; TLS records when TLS runs above it). The transport may keep some of
/// them in its own buffer for a while, so a completed write says nothing about delivery; this
/// total, against the kernel's acknowledged total, does.
/// </summary>
public sealed class TransportOutputCounter : PipeWriter
{
    private readonly PipeWriter _inner;
    private long _handed;

    public TransportOutputCounter(PipeWriter inner)
    {
        _inner = inner;
    }

    /// <summary>Bytes handed to the transport since the connection began.</summary>
    public long BytesHanded => Interlocked.Read(ref _handed);

    public override bool CanGetUnflushedBytes => _inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => _inner.UnflushedBytes;

    public override void Advance(int bytes)
    {
        _inner.Advance(bytes);
        Interlocked.Add(ref _handed, bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => _inner.FlushAsync(cancellationToken);

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        Interlocked.Add(ref _handed, source.Length);
        return _inner.WriteAsync(source, cancellationToken);
    }

    public override void CancelPendingFlush() => _inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);
}
