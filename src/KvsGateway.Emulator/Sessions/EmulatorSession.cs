using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Validation;
using KvsGateway.Media.Mp4;

namespace KvsGateway.Emulator.Sessions;

/// <summary>
/// A DASH or HLS streaming session of the emulator. It keeps every fragment it has listed, in order: a
/// fragment's sequence number never changes, and each track's timeline is gap-free
/// (t(n+1) = t(n) + d(n)) whatever the gaps between the fragments themselves.
/// </summary>
public sealed class EmulatorSession
{
    /// <summary>KVS allows an HLS session this many codec-private-data changes.</summary>
    public const int MaxFormatVersions = 500;

    private readonly List<ListedFragment> _listed = [];
    private readonly List<IReadOnlyList<TrackFormat>> _versions = [];
    private readonly Dictionary<string, ListedFragment> _byNumber = new(StringComparer.Ordinal);
    private readonly ulong[] _nextStart;

    public EmulatorSession(string token, StreamRecord stream, PlaybackSessionParameters parameters, DateTimeOffset createdAt, IReadOnlyList<TrackFormat> formats)
    {
        Token = token;
        Stream = stream;
        Parameters = parameters;
        CreatedAt = createdAt;
        ExpiresAt = createdAt.AddSeconds(parameters.ExpiresSeconds);
        Formats = formats;
        _versions.Add(formats);
        _nextStart = new ulong[formats.Count];
    }

    public string Token { get; }

    public StreamRecord Stream { get; }

    public PlaybackSessionParameters Parameters { get; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The session's tracks, fixed by its first fragment; sequence n of a track is fragment n.</summary>
    public IReadOnlyList<TrackFormat> Formats { get; }

    /// <summary>
    /// The track formats fragments of the session have had, version 0 being <see cref="Formats"/>. An
    /// HLS session takes codec-private-data changes (same tracks and codecs: a new resolution, profile,
    /// bitrate) as new versions, each with an init segment of its own; a DASH session has one.
    /// </summary>
    public IReadOnlyList<TrackFormat> FormatVersion(int version)
    {
        lock (_listed)
        {
            return _versions[version];
        }
    }

    public int FormatVersionCount
    {
        get
        {
            lock (_listed)
            {
                return _versions.Count;
            }
        }
    }

    /// <summary>LIVE_REPLAY with an end: every fragment of the range is listed, so playlists end.</summary>
    public bool IsComplete { get; internal set; }

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

    /// <summary>A listed fragment by its KVS fragment number (HLS media URLs name fragments so).</summary>
    public ListedFragment? Find(string fragmentNumber)
    {
        lock (_listed)
        {
            return _byNumber.GetValueOrDefault(fragmentNumber);
        }
    }

    /// <summary>
    /// The version of <paramref name="formats"/>: an existing one when they equal it, else a new one
    /// while fewer than <see cref="MaxFormatVersions"/> exist; else the last (its fragments then fail
    /// when fetched, as a change KVS does not take).
    /// </summary>
    internal int VersionOf(IReadOnlyList<TrackFormat> formats)
    {
        lock (_listed)
        {
            for (var v = _versions.Count - 1; v >= 0; v--)
            {
                if (_versions[v].Count == formats.Count && _versions[v].Zip(formats).All(p => p.First.Codecs == p.Second.Codecs && p.First.SampleEntryConfig.AsSpan().SequenceEqual(p.Second.SampleEntryConfig)))
                {
                    return v;
                }
            }

            if (_versions.Count == MaxFormatVersions)
            {
                return _versions.Count - 1;
            }

            _versions.Add(formats);
            return _versions.Count - 1;
        }
    }

    /// <summary>Lists a fragment after the others, with its per-track durations and its format version.</summary>
    internal void Append(FragmentIndexEntry entry, IReadOnlyList<ulong> durations, int version = 0)
    {
        lock (_listed)
        {
            var starts = new ulong[durations.Count];
            for (var i = 0; i < durations.Count; i++)
            {
                starts[i] = _nextStart[i];
                _nextStart[i] += durations[i];
            }

            var listed = new ListedFragment((ulong)_listed.Count + 1, entry, starts, durations.ToArray(), version);
            _listed.Add(listed);
            _byNumber[entry.FragmentNumber] = listed;
        }
    }
}
