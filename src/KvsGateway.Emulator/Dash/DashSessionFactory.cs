using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.Media.Codecs;
using KvsGateway.Media.Packaging;
using KvsGateway.Media.Mp4;

namespace KvsGateway.Emulator.Dash;

/// <summary>
/// GetDASHStreamingSessionURL of the emulator and the growth of live sessions: the shared
/// validator, the stream checks (retention, track layout, codec private data), and the fragment
/// selection of each playback mode.
/// </summary>
public sealed class DashSessionFactory
{
    /// <summary>LIVE needs a fragment this recent.</summary>
    public static readonly TimeSpan LiveFreshness = TimeSpan.FromSeconds(30);

    private readonly StreamStore _store;
    private readonly SessionRegistry _registry;
    private readonly PlaybackQuotas _quotas;
    private readonly TimeProvider _time;

    public DashSessionFactory(StreamStore store, SessionRegistry registry, PlaybackQuotas quotas, TimeProvider time)
    {
        _store = store;
        _registry = registry;
        _quotas = quotas;
        _time = time;
    }

    public async Task<EmulatorSession> CreateAsync(GetDashStreamingSessionUrlInput input, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var parameters = DashSessionRequestValidator.Validate(input, now);
        var stream = _store.Get(parameters.Stream);

        // Counted under the stored name only once the stream is known to exist: names a caller
        // makes up never become keys of the quota table.
        _quotas.SessionUrl(stream.StreamName);
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
            case DashPlaybackMode.OnDemand:
                initial = FragmentSelection.InRange(all, parameters.SelectorKind, parameters.StartTimestamp, parameters.EndTimestamp);
                initial = initial.Take(parameters.MaxManifestFragmentResults).ToList();
                break;
            case DashPlaybackMode.LiveReplay:
                initial = FragmentSelection.InRange(all, parameters.SelectorKind, parameters.StartTimestamp, parameters.EndTimestamp).Take(1).ToList();
                break;
            default:
                initial = FragmentSelection.Newest(all, parameters.MaxManifestFragmentResults, null);
                if (initial.Count > 0 && initial[^1].ServerTimestamp < now - LiveFreshness)
                {
                    initial.Clear();
                }

                break;
        }

        if (initial.Count == 0)
        {
            throw KvsException.ResourceNotFound(parameters.PlaybackMode == DashPlaybackMode.Live
                ? "No fragments found in the stream for the streaming request: nothing was ingested in the last 30 seconds."
                : "No fragments found in the stream for the streaming request.");
        }

        var first = await StreamStore.ReadHeaderAsync(initial[0], cancellationToken).ConfigureAwait(false);
        IReadOnlyList<TrackFormat> formats;
        try
        {
            formats = TrackFormatFactory.CreateForDash(first.Tracks.Select(t => t.Track).ToList(), first.TimecodeScaleNs);
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

        if (parameters.PlaybackMode == DashPlaybackMode.LiveReplay)
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
        if (parameters.PlaybackMode == DashPlaybackMode.OnDemand)
        {
            return;
        }

        await session.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var all = _store.GetFragments(parameters.Stream);
            var last = session.Last?.Entry;
            if (parameters.PlaybackMode == DashPlaybackMode.Live)
            {
                foreach (var fragment in FragmentSelection.Newest(all, parameters.MaxManifestFragmentResults, last))
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
        }
        finally
        {
            session.Gate.Release();
        }
    }

    private static async Task AppendAsync(EmulatorSession session, FragmentIndexEntry fragment, CancellationToken cancellationToken)
    {
        var header = await StreamStore.ReadHeaderAsync(fragment, cancellationToken).ConfigureAwait(false);
        var durations = new ulong[session.Formats.Count];
        for (var i = 0; i < durations.Length; i++)
        {
            var format = session.Formats[i];
            if (header.FindTrack(format.TrackId) is { } track)
            {
                ClusterPackager.BuildSamples(track.Frames, track.Track, format, header.TimecodeScaleNs, out durations[i]);
            }
        }

        session.Append(fragment, durations);
    }
}
