using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace KvsGateway.Sessions;

/// <summary>
/// Validated tokens and their sessions, in memory, so a fragment request costs no decryption and no
/// Redis round trip. Keyed by a hash of the token (the token itself is never kept), bounded in size;
/// an entry is fresh for <see cref="MaxAge"/> and kept while its session lasts, so that a session
/// already validated plays on while Redis is unreachable (<see cref="FindValidated"/>). Revocations evict at once, and
/// each one moves the cache to a new generation: a session read from Redis in an earlier generation
/// may have been revoked while it was being read, so it is not cached (see <see cref="TryAdd"/>).
/// </summary>
public sealed class SessionCache
{
    /// <summary>An entry is re-read from Redis at least this often, should a revocation message be lost.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<TokenHash, Entry> _entries = new();
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private long _generation;

    public SessionCache(TimeProvider time, int capacity = 100_000)
    {
        _time = time;
        _capacity = capacity;
    }

    public int Count => _entries.Count;

    /// <summary>Taken before a session is read from Redis and handed to <see cref="TryAdd"/> with it.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    // The SHA-256 of the token, as two numbers: a fragment request hashes its token and looks it up
    // without making a string or an array of it.
    private static TokenHash KeyOf(string token)
    {
        const int OnStack = 1024;
        var size = Encoding.UTF8.GetMaxByteCount(token.Length);
        byte[]? rented = null;
        Span<byte> utf8 = size <= OnStack ? stackalloc byte[OnStack] : (rented = ArrayPool<byte>.Shared.Rent(size));
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(token, utf8)], hash);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return new TokenHash(BinaryPrimitives.ReadUInt128LittleEndian(hash), BinaryPrimitives.ReadUInt128LittleEndian(hash[16..]));
    }

    /// <summary>The session of a token validated within <see cref="MaxAge"/>; null when it is due to be read from Redis again.</summary>
    public PlaybackSession? Find(string token)
    {
        var key = KeyOf(token);
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        var now = _time.GetUtcNow();
        if (entry.Session.ExpiresAt <= now)
        {
            _entries.TryRemove(key, out _);
            return null;
        }

        return entry.Until > now ? entry.Session : null;
    }

    /// <summary>
    /// The session of a token this replica validated at some point, however long ago, while the
    /// session lasts and no revocation has evicted it: what plays on while Redis cannot be read.
    /// </summary>
    public PlaybackSession? FindValidated(string token) =>
        _entries.TryGetValue(KeyOf(token), out var entry) && entry.Session.ExpiresAt > _time.GetUtcNow() ? entry.Session : null;

    /// <summary>
    /// Caches a session read from Redis since <paramref name="generation"/>, unless a revocation came
    /// in the meantime: the read may predate it, and caching it would let a revoked session play on
    /// for <see cref="MaxAge"/>. The next request then reads Redis again. A revocation racing the add
    /// itself is caught by checking again afterwards.
    /// </summary>
    public bool TryAdd(string token, PlaybackSession session, long generation)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (Generation != generation)
        {
            return false;
        }

        if (_entries.Count >= _capacity)
        {
            Trim();
        }

        var now = _time.GetUtcNow();
        var until = session.ExpiresAt < now + MaxAge ? session.ExpiresAt : now + MaxAge;
        var key = KeyOf(token);
        _entries[key] = new Entry(session, until);
        if (Generation != generation)
        {
            _entries.TryRemove(key, out _);
            return false;
        }

        return true;
    }

    /// <summary>Drops every cached session the revocation covers.</summary>
    public int Evict(Revocation revocation)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        Interlocked.Increment(ref _generation);
        var removed = 0;
        foreach (var pair in _entries)
        {
            if (revocation.Covers(pair.Value.Session) && _entries.TryRemove(pair.Key, out _))
            {
                removed++;
            }
        }

        return removed;
    }

    private void Trim()
    {
        var now = _time.GetUtcNow();
        foreach (var pair in _entries)
        {
            if (pair.Value.Session.ExpiresAt <= now)
            {
                _entries.TryRemove(pair.Key, out _);
            }
        }

        // Still full: drop an arbitrary tenth; those sessions are simply read from Redis again.
        var excess = _entries.Count - (_capacity * 9 / 10);
        foreach (var key in _entries.Keys.Take(Math.Max(0, excess)))
        {
            _entries.TryRemove(key, out _);
        }
    }

    private sealed record Entry(PlaybackSession Session, DateTimeOffset Until);

    private readonly record struct TokenHash(UInt128 Low, UInt128 High);
}
