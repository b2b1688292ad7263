namespace KvsGateway.Metering;

/// <summary>Counts accumulated between flushes for one <see cref="UsageKey"/>.</summary>
public sealed class UsageCounts
{
    public long Bytes { get; private set; }

    public long Requests { get; private set; }

    public long Successes { get; private set; }

    /// <summary>Summed request latency, in microseconds (divide by <see cref="Requests"/> for the mean).</summary>
    public long LatencyMicroseconds { get; private set; }

    /// <summary>Callers hold the meter's lock; counts of one key are never added to concurrently.</summary>
    public void Add(long bytes, long requests, long successes, long latencyMicroseconds)
    {
        Bytes += bytes;
        Requests += requests;
        Successes += successes;
        LatencyMicroseconds += latencyMicroseconds;
    }
}
