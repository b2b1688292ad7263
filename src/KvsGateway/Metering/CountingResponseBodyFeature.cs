using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace KvsGateway.Metering;

/// <summary>
/// Wraps the response body and counts the bytes handed to the server, including those of a
/// response the client aborted part-way. YARP and our own writers both go through it.
/// </summary>
public sealed class CountingResponseBodyFeature : IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private readonly CountingStream _stream;
    private PipeWriter? _writer;

    private CountingResponseBodyFeature(IHttpResponseBodyFeature inner)
    {
        _inner = inner;
        _stream = new CountingStream(inner.Stream);
    }

    public long BytesWritten => _stream.BytesWritten;

    public Stream Stream => _stream;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));

    /// <summary>Puts a counter in front of the response body of this request.</summary>
    public static CountingResponseBodyFeature Install(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var inner = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var feature = new CountingResponseBodyFeature(inner);
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
        private long _bytes;

        public CountingStream(Stream inner)
        {
            _inner = inner;
        }

        public long BytesWritten => Interlocked.Read(ref _bytes);

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
            _inner.Write(buffer, offset, count);
            Interlocked.Add(ref _bytes, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _bytes, buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
