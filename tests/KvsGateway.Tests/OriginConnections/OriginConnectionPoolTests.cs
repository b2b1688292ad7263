using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using KvsGateway.Forwarding;
using KvsGateway.OriginConnections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace KvsGateway.Tests.OriginConnections;

public sealed class OriginConnectionPoolTests
{
    [Fact]
    public async Task A_connection_carries_one_request_after_another()
    {
        await using var origin = new FakeOrigin((_, _) => ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false));
        using var pool = new OriginConnectionPool(TimeProvider.System);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("hello", await FetchAsync(pool, origin.Endpoint));
        }

        Assert.Equal(1, origin.Accepted);
    }

    [Fact]
    public async Task A_connection_the_origin_closed_while_idle_is_replaced_and_the_request_sent_again()
    {
        // The origin closes every connection after its first answer, as a keep-alive timeout would.
        await using var origin = new FakeOrigin((_, _) => ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", true));
        using var pool = new OriginConnectionPool(TimeProvider.System);
        Assert.Equal("hello", await FetchAsync(pool, origin.Endpoint));
        await origin.WaitForClosedAsync(1);
        Assert.Equal("hello", await FetchAsync(pool, origin.Endpoint));
        Assert.Equal(2, origin.Accepted);
    }

    [Fact]
    public async Task An_idle_connection_is_closed_once_idle_too_long_though_no_request_comes()
    {
        var time = new FakeTimeProvider();
        await using var origin = new FakeOrigin((_, _) => ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false));
        using var pool = new OriginConnectionPool(time);
        Assert.Equal("ok", await FetchAsync(pool, origin.Endpoint));
        time.Advance(OriginConnectionPool.IdleTimeout);
        await origin.WaitForClosedAsync(1);
        Assert.Equal("ok", await FetchAsync(pool, origin.Endpoint));
        Assert.Equal(2, origin.Accepted);
    }

    [Fact]
    public async Task What_a_slow_origin_has_sent_reaches_the_viewer_before_the_rest_comes()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var origin = new FakeOrigin((_, _) => ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello|world", false)) { Gate = gate.Task };
        using var pool = new OriginConnectionPool(TimeProvider.System);
        var (connection, head) = await pool.SendAsync(origin.Endpoint, Request(origin.Endpoint), CancellationToken.None);
        var pipe = new Pipe();
        var copying = connection.CopyBodyAsync(head, pipe.Writer, 64 * 1024, 128 * 1024, null, Timeout.InfiniteTimeSpan, CancellationToken.None).AsTask();

        // The origin holds "world" back until "hello" has been flushed to the viewer's side.
        var first = await pipe.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("hello", Encoding.ASCII.GetString(first.Buffer.ToArray()));
        pipe.Reader.AdvanceTo(first.Buffer.End);
        gate.SetResult();
        Assert.True(await copying);
        var rest = await pipe.Reader.ReadAsync();
        Assert.Equal("world", Encoding.ASCII.GetString(rest.Buffer.ToArray()));
        pool.Return(connection);
    }

    [Theory]
    [InlineData(1, 512 * 1024)]
    [InlineData(64, 512 * 1024)]
    [InlineData(128, 256 * 1024)]
    [InlineData(256, 128 * 1024)]
    [InlineData(500, 128 * 1024)]
    public void Responses_in_flight_share_what_may_wait_for_a_flush(int inFlight, int flushEvery)
    {
        Assert.Equal(flushEvery, FragmentForwarder.FlushEveryFor(inFlight));
    }

    [Fact]
    public async Task A_chunked_body_arrives_whole_and_leaves_the_connection_reusable()
    {
        await using var origin = new FakeOrigin((_, _) => ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n", false));
        using var pool = new OriginConnectionPool(TimeProvider.System);
        Assert.Equal("abcde", await FetchAsync(pool, origin.Endpoint));
        Assert.Equal("abcde", await FetchAsync(pool, origin.Endpoint));
        Assert.Equal(1, origin.Accepted);
    }

    [Fact]
    public async Task A_body_cut_short_fails_and_its_connection_is_not_kept()
    {
        var answers = 0;
        await using var origin = new FakeOrigin((_, _) => Interlocked.Increment(ref answers) == 1
            ? ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", true)
            : ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false));
        using var pool = new OriginConnectionPool(TimeProvider.System);
        await Assert.ThrowsAsync<OriginProtocolException>(() => FetchAsync(pool, origin.Endpoint));
        Assert.Equal("ok", await FetchAsync(pool, origin.Endpoint));
        Assert.Equal(2, origin.Accepted);
    }

    [Fact]
    public async Task An_answer_with_connection_close_is_read_and_its_connection_closed()
    {
        await using var origin = new FakeOrigin((_, _) => ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", true));
        using var pool = new OriginConnectionPool(TimeProvider.System);
        Assert.Equal("ok", await FetchAsync(pool, origin.Endpoint));
        Assert.Equal("ok", await FetchAsync(pool, origin.Endpoint));
        Assert.Equal(2, origin.Accepted);
    }

    [Fact]
    public async Task An_error_body_is_read_up_to_its_limit()
    {
        await using var origin = new FakeOrigin((_, _) => ("HTTP/1.1 400 Bad Request\r\nContent-Length: 20\r\nx-amzn-ErrorType: X\r\n\r\n01234567890123456789", false));
        using var pool = new OriginConnectionPool(TimeProvider.System);
        var (connection, head) = await pool.SendAsync(origin.Endpoint, Request(origin.Endpoint), CancellationToken.None);
        var body = await connection.ReadSmallBodyAsync(head, 8, CancellationToken.None);
        Assert.Equal("01234567", Encoding.ASCII.GetString(body));

        // The whole answer arrived with its head, so the connection stands at the next one.
        Assert.True(connection.Reusable);
        pool.Return(connection);
    }

    [Fact]
    public void The_request_head_carries_the_allowed_headers_with_plain_values_only()
    {
        var incoming = new HeaderDictionary
        {
            ["Range"] = "bytes=0-99",
            ["If-None-Match"] = "\"a\"\r\nX-Injected: 1",
            ["Cookie"] = "secret",
        };
        var head = OriginRequestHead.Write("GET", new Uri("http://127.0.0.1:8081/dash/v1/getMP4MediaFragment.mp4?SessionToken=T&SequenceNumber=1"), incoming, ["Range", "If-None-Match", "If-Match"]);
        Assert.Equal("GET /dash/v1/getMP4MediaFragment.mp4?SessionToken=T&SequenceNumber=1 HTTP/1.1\r\nHost: 127.0.0.1:8081\r\nRange: bytes=0-99\r\n\r\n", Encoding.ASCII.GetString(head));
    }

    [Theory]
    [InlineData("http://origin.example/a", "origin.example")]
    [InlineData("http://[::1]:9000/a", "[::1]:9000")]
    public void The_host_field_names_the_origin_as_a_url_does(string url, string host)
    {
        var head = Encoding.ASCII.GetString(OriginRequestHead.Write("HEAD", new Uri(url), new HeaderDictionary(), []));
        Assert.Equal($"HEAD /a HTTP/1.1\r\nHost: {host}\r\n\r\n", head);
    }

    private static byte[] Request(OriginEndpoint endpoint) =>
        OriginRequestHead.Write("GET", new Uri($"http://{endpoint.Host}:{endpoint.Port}/fragment"), new HeaderDictionary(), []);

    private static async Task<string> FetchAsync(OriginConnectionPool pool, OriginEndpoint endpoint)
    {
        var (connection, head) = await pool.SendAsync(endpoint, Request(endpoint), CancellationToken.None);
        try
        {
            using var body = new MemoryStream();
            var writer = PipeWriter.Create(body);
            Assert.True(await connection.CopyBodyAsync(head, writer, 64 * 1024, 128 * 1024, null, Timeout.InfiniteTimeSpan, CancellationToken.None));
            return Encoding.ASCII.GetString(body.ToArray());
        }
        finally
        {
            pool.Return(connection);
        }
    }

    /// <summary>An HTTP/1.1 origin on loopback that answers each request head as told, and closes the connection after it when told.</summary>
    private sealed class FakeOrigin : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Func<int, string, (string Answer, bool Close)> _answer;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private readonly List<Task> _connections = [];
        private readonly SemaphoreSlim _closed = new(0);
        private int _accepted;

        public FakeOrigin(Func<int, string, (string Answer, bool Close)> answer)
        {
            _answer = answer;
            _listener.Start();
            _accepting = AcceptAsync();
        }

        /// <summary>An answer's text after a '|' is sent once this completes.</summary>
        public Task Gate { get; init; } = Task.CompletedTask;

        public OriginEndpoint Endpoint => new("127.0.0.1", ((IPEndPoint)_listener.LocalEndpoint).Port);

        public int Accepted => Volatile.Read(ref _accepted);

        public async Task WaitForClosedAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                await _closed.WaitAsync(_stop.Token);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await Task.WhenAll([_accepting, .. _connections]).ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
            _closed.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    var index = Interlocked.Increment(ref _accepted);
                    lock (_connections)
                    {
                        _connections.Add(ServeAsync(socket, index));
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task ServeAsync(Socket socket, int index)
        {
            using (socket)
            {
                var buffer = new byte[8192];
                var received = new StringBuilder();
                try
                {
                    while (true)
                    {
                        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                        if (read == 0)
                        {
                            return;
                        }

                        received.Append(Encoding.ASCII.GetString(buffer, 0, read));
                        var text = received.ToString();
                        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                        if (end < 0)
                        {
                            continue;
                        }

                        received.Remove(0, end + 4);
                        var (answer, close) = _answer(index, text[..end]);
                        var parts = answer.Split('|', 2);
                        await socket.SendAsync(Encoding.ASCII.GetBytes(parts[0]), SocketFlags.None, _stop.Token);
                        if (parts.Length > 1)
                        {
                            await Gate.WaitAsync(_stop.Token);
                            await socket.SendAsync(Encoding.ASCII.GetBytes(parts[1]), SocketFlags.None, _stop.Token);
                        }

                        if (close)
                        {
                            socket.Shutdown(SocketShutdown.Both);
                            return;
                        }
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException)
                {
                }
                finally
                {
                    _closed.Release();
                }
            }
        }
    }
}
