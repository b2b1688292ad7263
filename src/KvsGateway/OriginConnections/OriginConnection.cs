using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace KvsGateway.OriginConnections;

/// <summary>
/// One kept-alive HTTP/1.1 connection to a plain-HTTP origin, used by one exchange at a time: the
/// request head is written in one send, the answer's head parsed from the connection's own buffer,
/// and a body framed by its length received straight into the caller's buffers.
/// </summary>
public sealed class OriginConnection : IDisposable
{
    private readonly Socket _socket;
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(OriginResponseHead.MaxBytes);
    private int _start;
    private int _end;

    // The last receive got less than it asked for: the socket may be drained, and a next one wait.
    private bool _shortRead;

    internal OriginConnection(Socket socket, OriginEndpoint endpoint, long createdAt)
    {
        _socket = socket;
        Endpoint = endpoint;
        CreatedAt = createdAt;
    }

    internal OriginEndpoint Endpoint { get; }

    internal long CreatedAt { get; }

    /// <summary>When it last went back to its pool.</summary>
    internal long IdleSince { get; set; }

    /// <summary>It has carried an exchange before: a failure before any answer may mean the origin closed it while idle.</summary>
    internal bool Reused { get; set; }

    /// <summary>The exchange left it in a state another request can follow.</summary>
    internal bool Reusable { get; private set; }

    internal async ValueTask SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        Reusable = false;
        while (!request.IsEmpty)
        {
            var sent = await _socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            request = request[sent..];
        }
    }

    /// <summary>Reads the answer's head; informational (1xx) heads before it are skipped.</summary>
    /// <exception cref="OriginConnectionClosedException">The origin closed the connection before answering.</exception>
    internal async ValueTask<OriginResponseHead> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(OriginConnection));
        var received = false;
        while (true)
        {
            var taken = OriginResponseHead.TryParse(buffer.AsSpan(_start, _end - _start), out var head);
            if (taken > 0)
            {
                _start += taken;
                if (head!.StatusCode is >= 100 and < 200)
                {
                    if (head.StatusCode == 101)
                    {
                        throw new OriginProtocolException("The origin switched protocols on a fragment request.");
                    }

                    continue;
                }

                return head;
            }

            if (_start > 0)
            {
                // Keep what arrived of the head at the front, so it can grow up to the buffer's size.
                buffer.AsSpan(_start, _end - _start).CopyTo(buffer);
                _end -= _start;
                _start = 0;
            }

            var read = await _socket.ReceiveAsync(buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            _shortRead = read < buffer.Length - _end;
            if (read == 0)
            {
                throw received || _end > 0
                    ? new OriginProtocolException("The origin closed the connection inside an answer's head.")
                    : new OriginConnectionClosedException();
            }

            received = true;
            _end += read;
        }
    }

    /// <summary>
    /// Copies the body of <paramref name="head"/> into <paramref name="writer"/>, flushing whenever the
    /// origin has nothing more ready (so a slow origin's bytes reach the viewer as they come) or
    /// <paramref name="flushEvery"/> bytes wait. Each origin read is given <paramref name="activityTimeout"/>
    /// on <paramref name="activity"/>, whose token cancels it. Returns false when the viewer went away
    /// (the connection is then not reusable).
    /// </summary>
    internal async ValueTask<bool> CopyBodyAsync(OriginResponseHead head, PipeWriter writer, int readSize, int flushEvery, CancellationTokenSource? activity, TimeSpan activityTimeout, CancellationToken viewer)
    {
        var origin = activity?.Token ?? viewer;
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(OriginConnection));
        var unflushed = 0;
        if (head.Chunked)
        {
            var decoder = default(ChunkedBodyDecoder);
            while (!decoder.IsDone)
            {
                var status = decoder.Decode(buffer.AsSpan(_start, _end - _start), out var consumed, out var data);
                if (data > 0)
                {
                    writer.Write(buffer.AsSpan(_start, data));
                    unflushed += data;
                }

                _start += consumed;
                if (status == System.Buffers.OperationStatus.NeedMoreData)
                {
                    if (unflushed > 0)
                    {
                        unflushed = 0;
                        if (!await FlushAsync(writer, viewer).ConfigureAwait(false))
                        {
                            return false;
                        }
                    }

                    activity?.CancelAfter(activityTimeout);
                    await FillAsync(origin).ConfigureAwait(false);
                }
                else if (unflushed >= flushEvery)
                {
                    unflushed = 0;
                    if (!await FlushAsync(writer, viewer).ConfigureAwait(false))
                    {
                        return false;
                    }
                }
            }

            Reusable = head.KeepAlive && _start == _end;
            return await FlushAsync(writer, viewer).ConfigureAwait(false);
        }

        var remaining = head.ContentLength ?? long.MaxValue;
        var buffered = (int)Math.Min(remaining, _end - _start);
        if (buffered > 0)
        {
            writer.Write(buffer.AsSpan(_start, buffered));
            _start += buffered;
            remaining -= buffered;
            unflushed = buffered;
        }

        var shortRead = _shortRead;
        while (remaining > 0)
        {
            // Never wait on the origin holding bytes back: when the last receive drained the socket,
            // what is here goes to the viewer before the next one.
            if (shortRead && unflushed > 0 && Drained())
            {
                unflushed = 0;
                if (!await FlushAsync(writer, viewer).ConfigureAwait(false))
                {
                    return false;
                }
            }

            var memory = writer.GetMemory(readSize);
            var want = (int)Math.Min(remaining, memory.Length);
            activity?.CancelAfter(activityTimeout);
            var read = await _socket.ReceiveAsync(memory[..want], SocketFlags.None, origin).ConfigureAwait(false);
            if (read == 0)
            {
                if (head.ContentLength is null)
                {
                    break;
                }

                throw new OriginProtocolException("The origin closed the connection before the end of the body.");
            }

            writer.Advance(read);
            remaining -= read;
            unflushed += read;
            shortRead = read < want;
            if (remaining > 0 && unflushed >= flushEvery)
            {
                unflushed = 0;
                if (!await FlushAsync(writer, viewer).ConfigureAwait(false))
                {
                    return false;
                }
            }
        }

        Reusable = head.KeepAlive && _start == _end;
        return await FlushAsync(writer, viewer).ConfigureAwait(false);
    }

    /// <summary>Reads a body of at most <paramref name="limit"/> bytes into memory (error answers); a longer one is cut there and the connection not reused.</summary>
    internal async ValueTask<byte[]> ReadSmallBodyAsync(OriginResponseHead head, int limit, CancellationToken cancellationToken)
    {
        var body = new BoundedBufferWriter(limit);
        await CopyBodyAsync(head, body, 16 * 1024, 16 * 1024, null, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        return body.ToArray();
    }

    /// <summary>The answer had no body (HEAD, 204, 304): the connection can carry the next request.</summary>
    internal void CompleteWithoutBody(OriginResponseHead head) => Reusable = head.KeepAlive && _start == _end;

    public void Dispose()
    {
        _socket.Dispose();
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async ValueTask<bool> FlushAsync(PipeWriter writer, CancellationToken viewer)
    {
        var flushed = await writer.FlushAsync(viewer).ConfigureAwait(false);
        return !flushed.IsCompleted && !flushed.IsCanceled;
    }

    // A receive that got less than it asked for emptied the socket then, but more may have come since:
    // on loopback, the window that receive opened lets the origin send in the same instant. Asking
    // costs one ioctl; flushing for nothing costs a send and a wake-up of the viewer's side.
    private bool Drained() => _socket.Available == 0;

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        var buffer = _buffer!;
        if (_start > 0)
        {
            buffer.AsSpan(_start, _end - _start).CopyTo(buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == buffer.Length)
        {
            throw new OriginProtocolException("The origin sent a chunk line longer than the connection's buffer.");
        }

        var read = await _socket.ReceiveAsync(buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new OriginProtocolException("The origin closed the connection inside a chunked body.");
        }

        _end += read;
    }

    /// <summary>Collects bytes in memory up to a limit; past it, a flush says "completed" and the copy stops.</summary>
    private sealed class BoundedBufferWriter(int limit) : PipeWriter
    {
        private readonly ArrayBufferWriter<byte> _target = new();

        public byte[] ToArray() => _target.WrittenSpan[..Math.Min(limit, _target.WrittenCount)].ToArray();

        public override void Advance(int bytes) => _target.Advance(bytes);

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new FlushResult(isCanceled: false, isCompleted: _target.WrittenCount > limit));

        public override Memory<byte> GetMemory(int sizeHint = 0) => _target.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _target.GetSpan(sizeHint);
    }
}
