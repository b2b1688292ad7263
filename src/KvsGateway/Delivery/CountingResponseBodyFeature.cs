using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace KvsGateway.Delivery;

/// <summary>
/// Wraps the response body (its stream and its pipe writer, which share the counts) and counts the
/// bytes handed to the server, including those of a response the client aborted part-way. On a tracked
/// connection it also follows each write (each flush, through the writer) down to the transport: a write whose bytes reached it moves
/// the connection's position, which places the body in the connection's byte stream; a write that
/// moved nothing was dropped by a connection that had already died (Kestrel completes such writes
/// as if they had succeeded). The request is then aborted, so the forwarder stops reading the rest
/// of the fragment from the origin for nobody.
/// </summary>
public sealed class CountingResponseBodyFeature : IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private readonly DeliveryTracker? _tracker;
    private readonly Action? _abort;
    private readonly CountingStream _stream;
    private CountingWriter? _writer;
    private long _bytes;
    private long _handed;
    private long _end;
    private int _dropped;

    private CountingResponseBodyFeature(IHttpResponseBodyFeature inner, DeliveryTracker? tracker, Action? abort)
    {
        _inner = inner;
        _tracker = tracker;
        _abort = abort;
        _stream = new CountingStream(inner.Stream, this);
    }

    /// <summary>Body bytes of every completed write.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytes);

    /// <summary>On a tracked connection: body bytes of the writes that reached the transport.</summary>
    public long BytesHanded => Interlocked.Read(ref _handed);

    /// <summary>On a tracked connection: the connection's position just after the last write that reached the transport.</summary>
    public long EndPosition => Interlocked.Read(ref _end);

    /// <summary>On a tracked connection: some write was dropped because the connection had died.</summary>
    public bool Dropped => Volatile.Read(ref _dropped) != 0;

    public Stream Stream => _stream;

    public PipeWriter Writer => _writer ??= new CountingWriter(_inner.Writer, this);

    /// <summary>Puts a counter in front of the response body of this request.</summary>
    public static CountingResponseBodyFeature Install(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var inner = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var feature = new CountingResponseBodyFeature(
            inner,
            context.Features.Get<DeliveryTracker>(),
            HttpMethods.IsHead(context.Request.Method) ? null : context.Abort); // Kestrel drops a HEAD answer's body by design.
        context.Features.Set<IHttpResponseBodyFeature>(feature);
        return feature;
    }

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await SendFileFallback.SendFileAsync(Stream, path, offset, count, cancellationToken).ConfigureAwait(false);
    }

    public async Task CompleteAsync()
    {
        await _inner.CompleteAsync().ConfigureAwait(false);
        _writer?.Settle();
    }

    /// <summary>The connection's position: bytes handed to its transport so far (0 when untracked).</summary>
    private long Position => _tracker?.Position ?? 0;

    private void Written(int count) => Interlocked.Add(ref _bytes, count);

    /// <summary>
    /// <paramref name="count"/> body bytes were written since the connection stood at <paramref name="before"/>.
    /// Writes are sequential and a completed write has handed its bytes on (with the headers before
    /// the first), so the position now is where the body counted so far ends.
    /// </summary>
    private void Handed(int count, long before)
    {
        if (_tracker is null || count == 0)
        {
            return;
        }

        var after = _tracker.Position;
        if (after > before)
        {
            Interlocked.Add(ref _handed, count);
            Interlocked.Exchange(ref _end, after);
        }
        else if (Interlocked.Exchange(ref _dropped, 1) == 0)
        {
            _abort?.Invoke();
        }
    }

    private sealed class CountingStream : Stream
    {
        private readonly Stream _inner;
        private readonly CountingResponseBodyFeature _counts;

        public CountingStream(Stream inner, CountingResponseBodyFeature counts)
        {
            _inner = inner;
            _counts = counts;
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => _inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            var before = _counts.Position;
            _inner.Write(buffer, offset, count);
            _counts.Written(count);
            _counts.Handed(count, before);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var before = _counts.Position;
            await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            _counts.Written(buffer.Length);
            _counts.Handed(buffer.Length, before);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>
    /// The server's own response writer, counted: bytes advanced count as written at once and as
    /// handed once a flush has moved them to the transport (the server sends nothing before a flush
    /// or the response's end). Writing into its buffers saves the copy a stream write makes.
    /// </summary>
    private sealed class CountingWriter : PipeWriter
    {
        private readonly PipeWriter _inner;
        private readonly CountingResponseBodyFeature _counts;
        private int _pending;
        private long _before;

        public CountingWriter(PipeWriter inner, CountingResponseBodyFeature counts)
        {
            _inner = inner;
            _counts = counts;
        }

        public override bool CanGetUnflushedBytes => _inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => _inner.UnflushedBytes;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

        public override void Advance(int bytes)
        {
            Begin(bytes);
            _inner.Advance(bytes);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            // The server moves what was advanced to the transport before the flush waits on it.
            var flush = _inner.FlushAsync(cancellationToken);
            Settle();
            return flush;
        }

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            Begin(source.Length);
            var write = _inner.WriteAsync(source, cancellationToken);
            Settle();
            return write;
        }

        public override void CancelPendingFlush() => _inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            _inner.Complete(exception);
            Settle();
        }

        public override async ValueTask CompleteAsync(Exception? exception = null)
        {
            await _inner.CompleteAsync(exception).ConfigureAwait(false);
            Settle();
        }

        /// <summary>Counts <paramref name="bytes"/> about to be handed to the server; the first since a flush notes where the connection stood.</summary>
        private void Begin(int bytes)
        {
            if (_pending == 0)
            {
                _before = _counts.Position;
            }

            _pending += bytes;
            _counts.Written(bytes);
        }

        /// <summary>Places the bytes advanced since the last flush, now that the server has had them.</summary>
        public void Settle()
        {
            if (_pending > 0)
            {
                var pending = _pending;
                _pending = 0;
                _counts.Handed(pending, _before);
            }
        }
    }
}
