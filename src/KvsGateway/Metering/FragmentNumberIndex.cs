using System.Collections.Concurrent;

namespace KvsGateway.Metering;

/// <summary>
/// Which KVS fragment number each segment of a session is, as learned from the manifests this
/// replica rewrote, so a viewer record can name the fragment a viewer fetched. Memory only and
/// bounded; a fragment fetched on another replica than its manifest has no number in its record.
/// </summary>
public sealed class FragmentNumberIndex
{
    private const int MaxSessions = 20_000;
    private const int MaxSegmentsPerSession = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public FragmentNumberIndex(TimeProvider time)
    {
        _time = time;
    }

    public void Add(string sessionId, DateTimeOffset expiresAt, int track, long sequence, string fragmentNumber)
    {
        if (!_sessions.TryGetValue(sessionId, out var entry))
        {
            if (_sessions.Count >= MaxSessions)
            {
                Trim();
            }

            entry = _sessions.GetOrAdd(sessionId, _ => new Entry(expiresAt));
        }

        if (entry.Segments.Count < MaxSegmentsPerSession)
        {
            entry.Segments[(track, sequence)] = fragmentNumber;
        }
    }

    public string? Find(string sessionId, int track, long sequence) =>
        _sessions.TryGetValue(sessionId, out var entry) && entry.Segments.TryGetValue((track, sequence), out var number) ? number : null;

    private void Trim()
    {
        var now = _time.GetUtcNow();
        foreach (var pair in _sessions)
        {
            if (pair.Value.ExpiresAt <= now)
            {
                _sessions.TryRemove(pair.Key, out _);
            }
        }

        // Still full: forget an arbitrary tenth; their records simply carry no fragment number.
        foreach (var key in _sessions.Keys.Take(Math.Max(0, _sessions.Count - (MaxSessions * 9 / 10))))
        {
            _sessions.TryRemove(key, out _);
        }
    }

    private sealed class Entry(DateTimeOffset expiresAt)
    {
        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public ConcurrentDictionary<(int Track, long Sequence), string> Segments { get; } = new();
    }
}
