using System.Net.Sockets;

namespace KvsGateway.OriginConnections;

/// <summary>
/// Kept-alive HTTP/1.1 connections to plain-HTTP origins, for fragment forwarding: a request is one
/// send on a pooled socket and its answer is read by the forwarder straight into the viewer's
/// response, with none of <see cref="HttpClient"/>'s per-request objects (bench/README.md measured
/// the difference). Idle connections are dropped after <see cref="IdleTimeout"/>, below the 60 s after
/// which load balancers close them, and every connection after <see cref="Lifetime"/>, so a moved
/// origin is followed. A reused connection the origin had closed is replaced once.
/// </summary>
public sealed class OriginConnectionPool : IDisposable
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    // More idle connections than this to one origin are closed rather than kept.
    private const int MaxIdlePerEndpoint = 512;

    private readonly Dictionary<OriginEndpoint, Stack<OriginConnection>> _idle = [];
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ITimer _scavenger;
    private bool _disposed;

    public OriginConnectionPool(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;

        // Idle connections are also closed when no request comes to take them, so a quiet origin is
        // not left holding connections the gateway has given up on.
        _scavenger = time.CreateTimer(static state => ((OriginConnectionPool)state!).Scavenge(), this, IdleTimeout, IdleTimeout);
    }

    /// <summary>
    /// Sends <paramref name="requestHead"/> (a request without a body) to <paramref name="endpoint"/>
    /// and reads the answer's head. The caller reads or skips the body, then calls <see cref="Return"/>.
    /// </summary>
    public async ValueTask<OriginExchange> SendAsync(OriginEndpoint endpoint, ReadOnlyMemory<byte> requestHead, CancellationToken cancellationToken)
    {
        var fresh = false;
        while (true)
        {
            var connection = fresh ? null : TakeIdle(endpoint);
            connection ??= await ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            try
            {
                await connection.SendAsync(requestHead, cancellationToken).ConfigureAwait(false);
                var head = await connection.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
                return new OriginExchange(connection, head);
            }
            catch (Exception ex) when (connection.Reused && !fresh && ex is OriginConnectionClosedException or SocketException)
            {
                // The origin closed it while it was idle (its keep-alive timeout, a restart): the
                // request never reached it, so it goes again, on a new connection.
                connection.Dispose();
                fresh = true;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }
    }

    /// <summary>Takes back a connection after its exchange: kept when it can carry another request, closed otherwise.</summary>
    public void Return(OriginConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var now = _time.GetTimestamp();
        if (connection.Reusable && _time.GetElapsedTime(connection.CreatedAt, now) < Lifetime)
        {
            connection.IdleSince = now;
            connection.Reused = true;
            lock (_lock)
            {
                if (!_disposed)
                {
                    if (!_idle.TryGetValue(connection.Endpoint, out var stack))
                    {
                        _idle[connection.Endpoint] = stack = new Stack<OriginConnection>();
                    }

                    if (stack.Count < MaxIdlePerEndpoint)
                    {
                        stack.Push(connection);
                        return;
                    }
                }
            }
        }

        connection.Dispose();
    }

    public void Dispose()
    {
        _scavenger.Dispose();
        List<OriginConnection> closing;
        lock (_lock)
        {
            _disposed = true;
            closing = [.. _idle.Values.SelectMany(stack => stack)];
            _idle.Clear();
        }

        foreach (var connection in closing)
        {
            connection.Dispose();
        }
    }

    /// <summary>Closes the idle connections that have been idle too long or lived too long.</summary>
    internal void Scavenge()
    {
        var now = _time.GetTimestamp();
        var closing = new List<OriginConnection>();
        lock (_lock)
        {
            foreach (var stack in _idle.Values)
            {
                if (stack.Count == 0)
                {
                    continue;
                }

                // Kept in their order: the most recently used on top.
                var kept = stack.Reverse().Where(c => !Expired(c, now)).ToList();
                closing.AddRange(stack.Where(c => Expired(c, now)));
                stack.Clear();
                foreach (var connection in kept)
                {
                    stack.Push(connection);
                }
            }
        }

        foreach (var connection in closing)
        {
            connection.Dispose();
        }
    }

    private bool Expired(OriginConnection connection, long now) =>
        _time.GetElapsedTime(connection.IdleSince, now) >= IdleTimeout || _time.GetElapsedTime(connection.CreatedAt, now) >= Lifetime;

    /// <summary>The most recently used idle connection that is neither idle too long nor too old.</summary>
    private OriginConnection? TakeIdle(OriginEndpoint endpoint)
    {
        var now = _time.GetTimestamp();
        while (true)
        {
            OriginConnection? connection;
            lock (_lock)
            {
                if (!_idle.TryGetValue(endpoint, out var stack) || !stack.TryPop(out connection))
                {
                    return null;
                }
            }

            if (!Expired(connection, now))
            {
                return connection;
            }

            connection.Dispose();
        }
    }

    private async ValueTask<OriginConnection> ConnectAsync(OriginEndpoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout);
            try
            {
                await socket.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"The origin did not accept a connection within {ConnectTimeout.TotalSeconds} s.");
            }

            return new OriginConnection(socket, endpoint, _time.GetTimestamp());
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
