using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Validation;
using KvsGateway.Media.Mp4;

namespace KvsGateway.Emulator.Dash;

/// <summary>
/// A DASH streaming session of the emulator. It keeps every fragment it has listed, in order: a
/// fragment's sequence number never changes, and each track's timeline is gap-free
/// (t(n+1) = t(n) + d(n)) whatever the gaps between the fragments themselves.
/// </summary>
public sealed class EmulatorSession
{
    private readonly List<ListedFragment> _listed = [];
    private readonly ulong[] _nextStart;

    public EmulatorSession(string token, StreamRecord stream, DashSessionParameters parameters, DateTimeOffset createdAt, IReadOnlyList<TrackFormat> formats)
    {
        Token = token;
        Stream = stream;
        Parameters = parameters;
        CreatedAt = createdAt;
        ExpiresAt = createdAt.AddSeconds(parameters.ExpiresSeconds);
        Formats = formats;
        _nextStart = new ulong[formats.Count];
    }

    public string Token { get; }

    public StreamRecord Stream { get; }

    public DashSessionParameters Parameters { get; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The session's tracks, fixed by its first fragment; sequence n of a track is fragment n.</summary>
    public IReadOnlyList<TrackFormat> Formats { get; }

    /// <summary>Serializes refreshes of a live session.</summary>
    internal SemaphoreSlim Gate { get; } = new(1, 1);

    public int TrackIndex(ulong trackNumber)
    {
        for (var i = 0; i < Formats.Count; i++)
        {
            if (Formats[i].TrackId == trackNumber)
            {
                return i;
            }
        }

        return -1;
    }

    public IReadOnlyList<ListedFragment> Listed
    {
        get
        {
            lock (_listed)
            {
                return _listed.ToArray();
            }
        }
    }

    public ListedFragment? Last
    {
        get
        {
            lock (_listed)
            {
                return _listed.Count == 0 ? null : _listed[^1];
            }
        }
    }

    public ListedFragment? Find(ulong sequenceNumber)
    {
        lock (_listed)
        {
            return sequenceNumber >= 1 && sequenceNumber <= (ulong)_listed.Count ? _listed[(int)(sequenceNumber - 1)] : null;
        }
    }

    /// <summary>Lists a fragment after the others, with its per-track durations.</summary>
    internal void Append(FragmentIndexEntry entry, IReadOnlyList<ulong> durations)
    {
        lock (_listed)
        {
            var starts = new ulong[durations.Count];
            for (var i = 0; i < durations.Count; i++)
            {
                starts[i] = _nextStart[i];
                _nextStart[i] += durations[i];
            }

            _listed.Add(new ListedFragment((ulong)_listed.Count + 1, entry, starts, durations.ToArray()));
        }
    }
}
