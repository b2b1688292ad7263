using System.Diagnostics.Metrics;
using KvsGateway.Caching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KvsGateway.Tests.Caching;

/// <summary>The shared fragment cache: entries read while they fill, a failure seen by every reader, a bound in bytes kept least-recently-used first, nothing past its origin session.</summary>
public sealed class FragmentCacheTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task Readers_get_each_part_as_it_arrives_across_chunks_and_the_same_bytes_when_complete()
    {
        using var cache = Cache(capacity: 10_000_000);
        var (entry, created) = cache.GetOrAdd(Key(1), _time.GetUtcNow().AddHours(1));
        Assert.True(created);
        Assert.NotNull(entry);
        var body = new byte[(CachedFragment.ChunkSize * 2) + 1234];
        Random.Shared.NextBytes(body);

        entry.SetHeaders(new CachedFragmentHeaders("video/mp4", null, null, body.Length));
        cache.Charge(entry, body.Length);
        var waiting = entry.WaitForAsync(0, default);
        Assert.False(waiting.IsCompleted);

        // The filler writes in uneven pieces; a reader started before the first byte sees each one.
        var reader = ReadAllAsync(entry, body.Length);
        var written = 0;
        foreach (var piece in new[] { 1000, CachedFragment.ChunkSize, 7, CachedFragment.ChunkSize, 1234 })
        {
            var take = Math.Min(piece, body.Length - written);
            while (take > 0)
            {
                var buffer = entry.GetWriteBuffer();
                var n = Math.Min(take, buffer.Length);
                body.AsSpan(written, n).CopyTo(buffer.Span);
                entry.Advance(n);
                written += n;
                take -= n;
            }

            if (written == 1000)
            {
                Assert.True(waiting.IsCompleted);
            }
        }

        entry.Complete();
        Assert.Equal(body, await reader);

        var (again, createdAgain) = cache.GetOrAdd(Key(1), _time.GetUtcNow().AddHours(1));
        Assert.False(createdAgain);
        Assert.NotNull(again);
        Assert.Same(entry, again);
        Assert.Equal(body, await ReadAllAsync(again, body.Length));
    }

    [Fact]
    public async Task A_failure_reaches_every_reader_and_the_next_request_fetches_again()
    {
        using var cache = Cache(capacity: 10_000_000);
        var entry = cache.GetOrAdd(Key(1), _time.GetUtcNow().AddHours(1)).Entry!;
        var headers = entry.Headers;
        var waiter = entry.WaitForAsync(0, default);
        var failure = new InvalidOperationException("origin failed");
        cache.Remove(entry);
        entry.Fail(failure);

        Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(() => headers));
        await waiter;
        Assert.Same(failure, entry.Failure);
        Assert.True(cache.GetOrAdd(Key(1), _time.GetUtcNow().AddHours(1)).Created);
    }

    [Fact]
    public void The_bound_evicts_the_least_recently_used_complete_entries_never_one_still_filling()
    {
        using var cache = Cache(capacity: 3000);
        var a = Filled(cache, Key(1), 1000);
        var b = Filled(cache, Key(2), 1000);
        var c = Filled(cache, Key(3), 1000);
        Assert.Equal(3000, cache.Bytes);

        // Touching a makes b the least recently used: d's bytes push b out.
        Assert.True(Hit(cache, Key(1)));
        Filled(cache, Key(4), 1000);
        Assert.Equal(3, cache.Count);
        Assert.True(cache.GetOrAdd(Key(2), _time.GetUtcNow().AddHours(1)).Created);
        Assert.True(Hit(cache, Key(1)));

        // An entry still filling stays even when it is the oldest (its viewers are reading it): the
        // next charge evicts the complete ones behind it instead.
        using var small = Cache(capacity: 1500);
        var filling = small.GetOrAdd(Key(10), _time.GetUtcNow().AddHours(1)).Entry!;
        small.Charge(filling, 1000);
        Filled(small, Key(11), 1000);
        Filled(small, Key(12), 1000);
        Assert.Equal(2000, small.Bytes);
        Assert.True(Hit(small, Key(10)));
        Assert.True(Hit(small, Key(12)));
        Assert.True(small.GetOrAdd(Key(11), _time.GetUtcNow().AddHours(1)).Created);
        _ = (a, b, c);
    }

    [Fact]
    public void Nothing_is_served_or_kept_past_its_origin_session()
    {
        using var cache = Cache(capacity: 10_000_000);
        Filled(cache, Key(1), 1000, expiresIn: TimeSpan.FromMinutes(5));
        Filled(cache, Key(2), 1000, expiresIn: TimeSpan.FromHours(1));
        _time.Advance(TimeSpan.FromMinutes(5));
        var (fresh, created) = cache.GetOrAdd(Key(1), _time.GetUtcNow().AddHours(1));
        Assert.True(created);
        cache.Remove(fresh!);

        // Unasked-for entries go with the minute's sweep.
        _time.Advance(TimeSpan.FromMinutes(56));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void A_fragment_no_viewer_asked_for_within_the_idle_time_leaves_one_still_asked_for_stays()
    {
        // A LIVE edge moves on: what every viewer has fetched is never asked for again, and kept until
        // the bound it would hold the whole bound (the soak's RSS grew ~25 MB a minute that way).
        using var cache = Cache(capacity: 10_000_000, idle: TimeSpan.FromMinutes(2));
        Filled(cache, Key(1), 1000);
        Filled(cache, Key(2), 1000);
        var read = Filled(cache, Key(3), 1000, keepLease: true);

        _time.Advance(TimeSpan.FromSeconds(90));
        Assert.True(Hit(cache, Key(2)));
        _time.Advance(TimeSpan.FromSeconds(90));

        // Key 1 idle for 3 minutes goes; key 2 was asked for 90 s ago; key 3 is still being read.
        Assert.Equal(2, cache.Count);
        Assert.Equal(2000, cache.Bytes);
        Assert.True(cache.GetOrAdd(Key(1), _time.GetUtcNow().AddHours(1)).Created);
        Assert.True(Hit(cache, Key(2)));
        read.Release();
    }

    [Fact]
    public void A_reader_keeps_reading_an_entry_the_cache_let_go_of_and_its_bytes_count_until_it_is_done()
    {
        using var cache = Cache(capacity: 1500);
        var removed = Filled(cache, Key(1), 1000, keepLease: true);
        var body = removed.Read(0, 1000).ToArray();

        // Taken out (as a fragment too large to keep is, once served) while a viewer still reads it.
        cache.Remove(removed);
        Assert.Equal(0, cache.Bytes);
        Assert.Equal(1000, cache.DetachedBytes);
        Assert.Equal(body, removed.Read(0, 1000).ToArray());

        // Its memory still takes its part of the bound.
        Filled(cache, Key(2), 500);
        Assert.Equal(500, cache.Bytes);
        Assert.Equal(1000, cache.DetachedBytes);

        removed.Release();
        Assert.False(removed.TryAcquire());
        Assert.Equal(0, cache.DetachedBytes);
    }

    [Fact]
    public void An_entry_being_read_is_not_evicted_and_when_reads_fill_the_bound_a_miss_is_not_admitted()
    {
        using var cache = Cache(capacity: 1500);
        var read = Filled(cache, Key(1), 1000, keepLease: true);
        Filled(cache, Key(2), 1000);

        // The idle one makes way; the one being read stays though it is the least recently used.
        var (third, created) = cache.GetOrAdd(Key(3), _time.GetUtcNow().AddHours(1));
        Assert.True(created);
        Assert.NotNull(third);
        cache.Charge(third, 1000);
        Assert.False(cache.GetOrAdd(Key(1), _time.GetUtcNow().AddHours(1)).Created);
        read.Release();

        // One being read, one filling, together over the bound: a fourth fragment gets no entry (its
        // request goes to the origin on its own) until a reader is done.
        Assert.Equal((null, false), cache.GetOrAdd(Key(4), _time.GetUtcNow().AddHours(1)));
        read.Release();
        var (fourth, admitted) = cache.GetOrAdd(Key(4), _time.GetUtcNow().AddHours(1));
        Assert.True(admitted);
        Assert.NotNull(fourth);
    }

    /// <summary>Whether the key is cached; a viewer's hit, read at once (its lease given back).</summary>
    private bool Hit(FragmentCache cache, FragmentKey key)
    {
        var (entry, created) = cache.GetOrAdd(key, _time.GetUtcNow().AddHours(1));
        if (entry is not null && !created)
        {
            entry.Release();
            return true;
        }

        return false;
    }

    private static FragmentKey Key(long sequence) => new("0123456789abcdef0123456789abcdef", FragmentResources.Media, 1, sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<byte[]> ReadAllAsync(CachedFragment entry, long length)
    {
        var result = new MemoryStream();
        long position = 0;
        while (position < length)
        {
            var part = entry.Read(position, length - position);
            if (part.IsEmpty)
            {
                await entry.WaitForAsync(position, default);
                continue;
            }

            result.Write(part.Span);
            position += part.Length;
        }

        return result.ToArray();
    }

    private CachedFragment Filled(FragmentCache cache, FragmentKey key, int length, TimeSpan? expiresIn = null, bool keepLease = false)
    {
        var (entry, created) = cache.GetOrAdd(key, _time.GetUtcNow() + (expiresIn ?? TimeSpan.FromHours(1)));
        Assert.True(created);
        Assert.NotNull(entry);
        entry.SetHeaders(new CachedFragmentHeaders("video/mp4", null, null, length));
        cache.Charge(entry, length);
        entry.GetWriteBuffer();
        entry.Advance(length);
        entry.Complete();

        // Unless told otherwise, the viewer that asked for it has read it.
        if (!keepLease)
        {
            entry.Release();
        }

        return entry;
    }

    private FragmentCache Cache(long capacity, TimeSpan? idle = null) =>
        new(Options.Create(new FragmentCacheOptions { FragmentCacheBytes = capacity, FragmentIdleTime = idle ?? TimeSpan.FromHours(2) }), _time, _services.GetRequiredService<IMeterFactory>());
}
