namespace KvsGateway.Metering;

/// <summary>Counts accumulated in memory between flushes.</summary>
public sealed class UsageCounts
{
    private long _bytes;
    private long _requests;
    private long _successes;

    public long Bytes => Interlocked.Read(ref _bytes);

    public long Requests => Interlocked.Read(ref _requests);

    public long Successes => Interlocked.Read(ref _successes);

    public void Add(long bytes, long requests, long successes)
    {
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Add(ref _requests, requests);
        Interlocked.Add(ref _successes, successes);
    }

    public void Add(long bytes, bool success)
    {
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Increment(ref _requests);
        if (success)
        {
            Interlocked.Increment(ref _successes);
        }
    }
}
