using System.Collections.Concurrent;

namespace KvsGateway.Caching;

/// <summary>
/// Body chunks of evicted fragments, kept for the next fills: a cache that turns over (live edges
/// moving on, a working set larger than the bound) reuses its memory instead of making the GC
/// collect long-lived arrays it promoted. Holds at most <see cref="MaxPooled"/> chunks.
/// </summary>
internal static class ChunkPool
{
    // 256 chunks of 64 KiB: 16 MiB, enough for the churn of a busy cache between two fills (an
    // evicted entry's chunks are taken by the next fills within moments). Memory held here is
    // beyond Playback:FragmentCacheBytes, so it is kept small.
    private const int MaxPooled = 256;

    private static readonly ConcurrentStack<byte[]> Free = new();
    private static int _count;

    public static byte[] Rent()
    {
        if (Free.TryPop(out var chunk))
        {
            Interlocked.Decrement(ref _count);
            return chunk;
        }

        return GC.AllocateUninitializedArray<byte>(CachedFragment.ChunkSize);
    }

    public static void Return(byte[] chunk)
    {
        if (chunk.Length == CachedFragment.ChunkSize && Interlocked.Increment(ref _count) <= MaxPooled)
        {
            Free.Push(chunk);
        }
        else if (chunk.Length == CachedFragment.ChunkSize)
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
