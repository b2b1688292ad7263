using System.Collections.Concurrent;

namespace KvsGateway.Players;

/// <summary>
/// Everything the players received, shared by all of them: every status, every body byte (of whole
/// responses, and separately of responses a player hung up on), fragment latencies and stalls.
/// </summary>
internal sealed class PlayerRecord
{
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

    public void Stall() => Interlocked.Increment(ref _stalls);

    public void SessionRefused(string error)
    {
        Interlocked.Increment(ref _sessionRefusals);
        Error(error);
    }

    public void Error(string error) => Errors.AddOrUpdate(error, 1, (_, n) => n + 1);
}
