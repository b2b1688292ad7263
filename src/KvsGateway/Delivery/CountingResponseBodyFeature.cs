using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace KvsGateway.Delivery;

/// <summary>
/// Wraps the response body and counts the bytes handed to the server, including those of a
/// response the client aborted part-way. YARP and our own writers both go through it. On a tracked
/// connection it also follows each write down to the transport: a write whose bytes reached it moves
/// the connection's position, which places the body in the connection's byte stream; a write that
/// moved nothing was dropped by a connection that had already died (Kestrel completes such writes
/// as if they had succeeded). The request is then aborted, so the forwarder stops reading the rest
/// of the fragment from the origin for nobody.
/// </summary>
public sealed class CountingResponseBodyFeature : IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private readonly CountingStream _stream;
    private PipeWriter? _writer;

    private CountingResponseBodyFeature(IHttpResponseBodyFeature inner, DeliveryTracker? tracker, Action? abort)
    {
        _inner = inner;
        _stream = new CountingStream(inner.Stream, tracker, abort);
    }

    /// <summary>Body bytes of every completed write.</summary>
    public long BytesWritten => _stream.BytesWritten;

    /// <summary>On a tracked connection: body bytes of the writes that reached the transport.</summary>
    public long BytesHanded => _stream.BytesHanded;

    /// <summary>On a tracked connection: the connection's position just after the last write that reached the transport.</summary>
    public long EndPosition => _stream.EndPosition;

    /// <summary>On a tracked connection: some write was dropped because the connection had died.</summary>
    public bool Dropped => _stream.Dropped;

    public Stream Stream => _stream;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));

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
        if (_writer is not null)
        {
            await _writer.CompleteAsync().ConfigureAwait(false);
        }

        await _inner.CompleteAsync().ConfigureAwait(false);
    }

    private sealed class CountingStream : Stream
    {
        private readonly Stream _inner;
        private readonly DeliveryTracker? _tracker;
        private readonly Action? _abort;
        private long _bytes;
        private long _handed;
        private long _end;
        private int _dropped;

        public CountingStream(Stream inner, DeliveryTracker? tracker, Action? abort)
        {
            _inner = inner;
            _tracker = tracker;
            _abort = abort;
        }

        public long BytesWritten => Interlocked.Read(ref _bytes);

        public long BytesHanded => Interlocked.Read(ref _handed);

        public long EndPosition => Interlocked.Read(ref _end);

        public bool Dropped => Volatile.Read(ref _dropped) != 0;

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
            var before = _tracker?.Position ?? 0;
            _inner.Write(buffer, offset, count);
            Counted(count, before);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var before = _tracker?.Position ?? 0;
            await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Counted(buffer.Length, before);
        }

        private void Counted(int count, long before)
        {
            Interlocked.Add(ref _bytes, count);
            if (_tracker is null || count == 0)
            {
                return;
            }

            // Writes are sequential and a completed write has handed its bytes on (with the headers
            // before the first), so the position now is where the body counted so far ends.
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

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
