using System.Text.Json;
using KvsGateway.Kvs.Wire;
using Microsoft.AspNetCore.Http;

namespace KvsGateway.Emulator.Ingest;

/// <summary>
/// Writes PutMedia ACK lines one at a time (the ingest loop and the keep-alive timer share the
/// response) and sends IDLE when nothing else was said for a while.
/// </summary>
internal sealed class AckWriter : IAsyncDisposable
{
    private readonly HttpResponse _response;
    private readonly TimeProvider _time;
    private readonly TimeSpan _idleInterval;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop;
    private readonly Task _keepAlive;
    private DateTimeOffset _lastWrite;

    public AckWriter(HttpResponse response, TimeProvider time, TimeSpan idleInterval, CancellationToken aborted)
    {
        _response = response;
        _time = time;
        _idleInterval = idleInterval;
        _lastWrite = time.GetUtcNow();
        _stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        _keepAlive = KeepAliveAsync(_stop.Token);
    }

    public async Task WriteAsync(PutMediaAck ack, CancellationToken cancellationToken)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(ack, KvsJsonContext.Default.PutMediaAck);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _response.Body.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            await _response.Body.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            await _response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            _lastWrite = _time.GetUtcNow();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _keepAlive.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _gate.Dispose();
    }

    private async Task KeepAliveAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_idleInterval / 2, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_time.GetUtcNow() - _lastWrite >= _idleInterval)
            {
                try
                {
                    await WriteAsync(new PutMediaAck { EventType = PutMediaEventTypes.Idle }, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    return;
                }
            }
        }
    }
}
