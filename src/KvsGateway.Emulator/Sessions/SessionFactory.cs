using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.Media.Codecs;
using KvsGateway.Media.Packaging;
using KvsGateway.Media.Mp4;

namespace KvsGateway.Emulator.Sessions;

/// <summary>
/// GetDASHStreamingSessionURL and GetHLSStreamingSessionURL of the emulator and the growth of live
/// sessions: after the shared validator, the stream checks (retention, track layout for the
/// protocol and container, codec private data), and the fragment selection of each playback mode.
/// </summary>
public sealed class SessionFactory
{
    /// <summary>LIVE needs a fragment this recent.</summary>
    public static readonly TimeSpan LiveFreshness = TimeSpan.FromSeconds(30);

    private readonly StreamStore _store;
    private readonly SessionRegistry _registry;
    private readonly PlaybackQuotas _quotas;
    private readonly TimeProvider _time;

    public SessionFactory(StreamStore store, SessionRegistry registry, PlaybackQuotas quotas, TimeProvider time)
    {
        _store = store;
        _registry = registry;
        _quotas = quotas;
        _time = time;
    }

    public Task<EmulatorSession> CreateAsync(GetDashStreamingSessionUrlInput input, CancellationToken cancellationToken) =>
        CreateAsync(SessionRequestValidator.ValidateDash(input, _time.GetUtcNow()), cancellationToken);

    public Task<EmulatorSession> CreateAsync(GetHlsStreamingSessionUrlInput input, CancellationToken cancellationToken) =>
        CreateAsync(SessionRequestValidator.ValidateHls(input, _time.GetUtcNow()), cancellationToken);

    private async Task<EmulatorSession> CreateAsync(PlaybackSessionParameters parameters, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var stream = _store.Get(parameters.Stream);

        // Counted under the stored name only once the stream is known to exist: names a caller
        // makes up never become keys of the quota table.
        _quotas.SessionUrl(stream.StreamName, parameters is HlsSessionParameters);
        if (stream.DataRetentionInHours == 0)
        {
            throw new KvsException(KvsErrorTypes.NoDataRetention, 400, $"The stream {stream.StreamName} has no data retention, so it cannot be played back.");
        }

        // The stream head is read as the retention boundary: nothing older can exist. (Read as "the
        // oldest stored fragment", a "last hour" request on a younger stream would always fail.)
        var all = _store.GetFragments(parameters.Stream);
        var head = now.AddHours(-stream.DataRetentionInHours);
        if (parameters.SelectorKind == FragmentSelectorKind.ServerTimestamp && parameters.StartTimestamp is { } start && start < head)
        {
            throw KvsException.InvalidArgument($"TimestampRange.StartTimestamp must be later than the stream head ({stream.DataRetentionInHours} h of retention) when FragmentSelectorType is SERVER_TIMESTAMP.");
        }

        List<FragmentIndexEntry> initial;
        switch (parameters.PlaybackMode)
        {
            case PlaybackMode.OnDemand:
                initial = FragmentSelection.InRange(all, parameters.SelectorKind, parameters.StartTimestamp, parameters.EndTimestamp);
                initial = initial.Take(parameters.MaxFragmentResults).ToList();
                break;
            case PlaybackMode.LiveReplay:
                initial = FragmentSelection.InRange(all, parameters.SelectorKind, parameters.StartTimestamp, parameters.EndTimestamp).Take(1).ToList();
                break;
            default:
                initial = FragmentSelection.Newest(all, parameters.MaxFragmentResults, null);
                if (initial.Count > 0 && initial[^1].ServerTimestamp < now - LiveFreshness)
                {
                    initial.Clear();
                }

                break;
        }

        if (initial.Count == 0)
        {
            throw KvsException.ResourceNotFound(parameters.PlaybackMode == PlaybackMode.Live
                ? "No fragments found in the stream for the streaming request: nothing was ingested in the last 30 seconds."
                : "No fragments found in the stream for the streaming request.");
        }

        var first = await StreamStore.ReadHeaderAsync(initial[0], cancellationToken).ConfigureAwait(false);
        IReadOnlyList<TrackFormat> formats;
        try
        {
            var tracks = first.Tracks.Select(t => t.Track).ToList();
            formats = parameters is HlsSessionParameters hls
                ? TrackFormatFactory.CreateForHls(tracks, first.TimecodeScaleNs, hls.ContainerFormat == HlsContainerFormat.MpegTs)
                : TrackFormatFactory.CreateForDash(tracks, first.TimecodeScaleNs);
        }
        catch (MediaFormatException ex)
        {
            throw MediaFormatErrors.ToKvs(ex);
        }

        var session = new EmulatorSession(SessionRegistry.NewToken(), stream, parameters, now, formats);
        foreach (var fragment in initial)
        {
            await AppendAsync(session, fragment, cancellationToken).ConfigureAwait(false);
        }

        if (parameters.PlaybackMode == PlaybackMode.LiveReplay)
        {
            await RefreshAsync(session, cancellationToken).ConfigureAwait(false);
        }

        _registry.Add(session);
        return session;
    }

    /// <summary>
    /// Grows a live session. LIVE lists fragments newer (by server time) than its newest, never
    /// older ones. LIVE_REPLAY lists the next fragment in range once the fragments before it have had
    /// their duration of real time since the session began.
    /// </summary>
    public async Task RefreshAsync(EmulatorSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var parameters = session.Parameters;
        if (parameters.PlaybackMode == PlaybackMode.OnDemand)
        {
            return;
        }

        await session.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var all = _store.GetFragments(parameters.Stream);
            var last = session.Last?.Entry;
            if (parameters.PlaybackMode == PlaybackMode.Live)
            {
                foreach (var fragment in FragmentSelection.Newest(all, parameters.MaxFragmentResults, last))
                {
                    await AppendAsync(session, fragment, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            var candidates = FragmentSelection.InRange(all, parameters.SelectorKind, parameters.StartTimestamp, parameters.EndTimestamp);
            var next = last is null ? 0 : candidates.FindIndex(f => f.FragmentNumber == last.FragmentNumber) + 1;
            var elapsed = (_time.GetUtcNow() - session.CreatedAt).TotalMilliseconds;
            var shown = session.Listed.Sum(f => f.Entry.DurationMs);
            while (next > 0 && next < candidates.Count && shown <= elapsed)
            {
                var fragment = candidates[next++];
                if (last is not null && FragmentSelection.TimestampOf(fragment, parameters.SelectorKind) < FragmentSelection.TimestampOf(last, parameters.SelectorKind))
                {
                    continue;
                }

                await AppendAsync(session, fragment, cancellationToken).ConfigureAwait(false);
                shown += fragment.DurationMs;
            }

            session.IsComplete = parameters.EndTimestamp is not null && next >= candidates.Count;
        }
        finally
        {
            session.Gate.Release();
        }
    }

    private static async Task AppendAsync(EmulatorSession session, FragmentIndexEntry fragment, CancellationToken cancellationToken)
    {
        var header = await StreamStore.ReadHeaderAsync(fragment, cancellationToken).ConfigureAwait(false);
        var version = session.Parameters is HlsSessionParameters hls ? HlsVersion(session, header, hls) : 0;
        var formats = session.FormatVersion(version);
        var durations = new ulong[formats.Count];
        for (var i = 0; i < durations.Length; i++)
        {
            var format = formats[i];
            if (header.FindTrack(format.TrackId) is { } track)
            {
                ClusterPackager.BuildSamples(track.Frames, track.Track, format, header.TimecodeScaleNs, out durations[i]);
            }
        }

        session.Append(fragment, durations, version);
    }

    /// <summary>
    /// The format version of a fragment of an HLS session: a change of codec private data alone (the
    /// same tracks, codecs and timescales) is a new version; anything else stays with the session's
    /// last version and fails when fetched, with the error DASH gives.
    /// </summary>
    private static int HlsVersion(EmulatorSession session, FragmentHeader header, HlsSessionParameters parameters)
    {
        var current = session.FormatVersion(session.FormatVersionCount - 1);
        IReadOnlyList<TrackFormat> formats;
        try
        {
            formats = TrackFormatFactory.CreateForHls(header.Tracks.Select(t => t.Track).ToList(), header.TimecodeScaleNs, parameters.ContainerFormat == HlsContainerFormat.MpegTs);
        }
        catch (MediaFormatException)
        {
            return session.FormatVersionCount - 1;
        }

        var compatible = formats.Count == current.Count && formats.Zip(current).All(p =>
            p.First.TrackId == p.Second.TrackId && p.First.SampleEntryType == p.Second.SampleEntryType && p.First.Timescale == p.Second.Timescale);
        return compatible ? session.VersionOf(formats) : session.FormatVersionCount - 1;
    }
}
