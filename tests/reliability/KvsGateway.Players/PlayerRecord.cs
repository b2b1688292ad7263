using System.Collections.Concurrent;
using System.Diagnostics;

namespace KvsGateway.Players;

/// <summary>
/// Everything the players received, shared by all of them: every status, every body byte (of whole
/// responses, and separately of responses a player hung up on), fragment latencies and stalls (with
/// when they happened), how long errors took to arrive and whether each was a KVS error, and the
/// latencies of session URLs.
/// </summary>
internal sealed class PlayerRecord
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _nonKvsErrors;
    private long _slowestErrorTicks;
    private long _bytes;
    private long _abortedBytes;
    private long _abortedLength;
    private long _errorBytes;
    private long _requests;
    private long _fragments;
    private long _stalls;
    private long _sessionRefusals;

    public ConcurrentDictionary<int, long> Statuses { get; } = new();

    public ConcurrentDictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);

    public ConcurrentBag<double> FragmentMilliseconds { get; } = [];

    /// <summary>Session URLs answered, players' and the probe's (milliseconds).</summary>
    public ConcurrentBag<double> SessionUrlMilliseconds { get; } = [];

    /// <summary>Session URLs the probe asked for (no player behind them), answered (milliseconds).</summary>
    public ConcurrentBag<double> ProbeMilliseconds { get; } = [];

    /// <summary>Each probe's start (seconds from the start of the run) and latency (milliseconds).</summary>
    public ConcurrentBag<(double At, double Milliseconds)> Probes { get; } = [];

    /// <summary>When each stall happened, seconds from the start of the run.</summary>
    public ConcurrentBag<double> StallSeconds { get; } = [];

    /// <summary>Each playback error and stall, with the age of its player's session.</summary>
    public ConcurrentBag<PlaybackEvent> Events { get; } = [];

    /// <summary>Error answers (status 400 and up) without the KVS error type header: not KVS errors.</summary>
    public long NonKvsErrors => Interlocked.Read(ref _nonKvsErrors);

    /// <summary>The longest any error took to arrive (an error status, a refused session, a timeout).</summary>
    public double SlowestErrorMilliseconds => TimeSpan.FromTicks(Interlocked.Read(ref _slowestErrorTicks)).TotalMilliseconds;

    /// <summary>Seconds from the start of the run.</summary>
    public double Now => _clock.Elapsed.TotalSeconds;

    public long Bytes => Interlocked.Read(ref _bytes);

    public long AbortedBytes => Interlocked.Read(ref _abortedBytes);

    /// <summary>Body bytes of error responses (status 400 and up), included in <see cref="Bytes"/>.</summary>
    public long ErrorBytes => Interlocked.Read(ref _errorBytes);

    /// <summary>The declared lengths of the responses players hung up on: the most they can be billed.</summary>
    public long AbortedLength => Interlocked.Read(ref _abortedLength);

    public long Requests => Interlocked.Read(ref _requests);

    public long Fragments => Interlocked.Read(ref _fragments);

    public long Stalls => Interlocked.Read(ref _stalls);

    public long SessionRefusals => Interlocked.Read(ref _sessionRefusals);

    public void HungUp(long contentLength) => Interlocked.Add(ref _abortedLength, contentLength);

    public void Response(int status, long bytes, bool aborted)
    {
        Interlocked.Increment(ref _requests);
        Statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        Interlocked.Add(ref aborted ? ref _abortedBytes : ref _bytes, bytes);
        if (status >= 400)
        {
            Interlocked.Add(ref _errorBytes, bytes);
        }
    }

    public void Fragment(double milliseconds)
    {
        Interlocked.Increment(ref _fragments);
        FragmentMilliseconds.Add(milliseconds);
    }

    /// <summary>Body bytes of whole responses by kind (manifest, init, media), to set against the export's APIs.</summary>
    public ConcurrentDictionary<string, long> BytesByKind { get; } = new(StringComparer.Ordinal);

    public void Received(string kind, long bytes) => BytesByKind.AddOrUpdate(kind, bytes, (_, n) => n + bytes);

    /// <summary>A stall of a player whose session began at <paramref name="sessionStarted"/> (seconds from the start of the run).</summary>
    public void Stall(double sessionStarted)
    {
        Interlocked.Increment(ref _stalls);
        var now = Now;
        StallSeconds.Add(Math.Round(now, 1));
        Events.Add(new PlaybackEvent(Math.Round(now, 1), Math.Round(now - sessionStarted, 1), "stall"));
    }

    /// <summary>A playback error of a player whose session began at <paramref name="sessionStarted"/>.</summary>
    public void Error(string error, double sessionStarted)
    {
        Error(error);
        var now = Now;
        Events.Add(new PlaybackEvent(Math.Round(now, 1), Math.Round(now - sessionStarted, 1), error));
    }

    /// <summary>An error arrived after <paramref name="took"/>; <paramref name="kvs"/> when it carried a KVS error type.</summary>
    public void ErrorAnswer(TimeSpan took, bool kvs)
    {
        if (!kvs)
        {
            Interlocked.Increment(ref _nonKvsErrors);
        }

        var ticks = took.Ticks;
        var seen = Interlocked.Read(ref _slowestErrorTicks);
        while (ticks > seen)
        {
            var before = Interlocked.CompareExchange(ref _slowestErrorTicks, ticks, seen);
            if (before == seen)
            {
                break;
            }

            seen = before;
        }
    }

    public void SessionRefused(string error)
    {
        Interlocked.Increment(ref _sessionRefusals);
        Error(error);
    }

    public void Error(string error) => Errors.AddOrUpdate(error, 1, (_, n) => n + 1);
}
