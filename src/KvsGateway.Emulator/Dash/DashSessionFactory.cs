using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.Media.Codecs;
using KvsGateway.Media.Packaging;

namespace KvsGateway.Emulator.Dash;

/// <summary>
/// GetDASHStreamingSessionURL of the emulator: validates with the shared validator, checks the
/// stream (retention, track layout, codec private data), selects the fragments, fixes the timeline.
/// </summary>
public sealed class DashSessionFactory
{
    private readonly StreamStore _store;
    private readonly SessionRegistry _registry;
    private readonly TimeProvider _time;

    public DashSessionFactory(StreamStore store, SessionRegistry registry, TimeProvider time)
    {
        _store = store;
        _registry = registry;
        _time = time;
    }

    public async Task<EmulatorSession> CreateAsync(GetDashStreamingSessionUrlInput input, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var parameters = DashSessionRequestValidator.Validate(input, now);
        var stream = _store.Get(parameters.Stream);
        if (stream.DataRetentionInHours == 0)
        {
            throw new KvsException(KvsErrorTypes.NoDataRetention, 400, $"The stream {stream.StreamName} has no data retention, so it cannot be played back.");
        }

        if (parameters.PlaybackMode != DashPlaybackMode.OnDemand)
        {
            throw KvsException.InvalidArgument($"PlaybackMode {parameters.PlaybackMode.ToWire()} is not served by this emulator version; use ON_DEMAND.");
        }

        var fragments = FragmentSelection.OnDemand(_store.GetFragments(parameters.Stream), parameters);
        if (fragments.Count == 0)
        {
            throw KvsException.ResourceNotFound("No fragments found in the stream for the streaming request.");
        }

        var headers = new List<FragmentHeader>(fragments.Count);
        foreach (var fragment in fragments)
        {
            headers.Add(await StreamStore.ReadHeaderAsync(fragment, cancellationToken).ConfigureAwait(false));
        }

        var tracks = BuildTracks(headers);
        var session = new EmulatorSession
        {
            Token = SessionRegistry.NewToken(),
            Stream = stream,
            Parameters = parameters,
            ExpiresAt = now.AddSeconds(parameters.ExpiresSeconds),
            Fragments = fragments,
            Tracks = tracks,
        };
        _registry.Add(session);
        return session;
    }

    private static List<SessionTrack> BuildTracks(IReadOnlyList<FragmentHeader> headers)
    {
        var first = headers[0];
        IReadOnlyList<TrackFormat> formats;
        try
        {
            formats = TrackFormatFactory.CreateForDash(first.Tracks.Select(t => t.Track).ToList(), first.TimecodeScaleNs);
        }
        catch (MediaFormatException ex)
        {
            throw MediaFormatErrors.ToKvs(ex);
        }

        var tracks = new List<SessionTrack>(formats.Count);
        foreach (var format in formats)
        {
            var starts = new ulong[headers.Count];
            var durations = new ulong[headers.Count];
            ulong time = 0;
            for (var i = 0; i < headers.Count; i++)
            {
                var track = headers[i].FindTrack(format.TrackId);
                ulong duration = 0;
                if (track is not null)
                {
                    ClusterPackager.BuildSamples(track.Frames, track.Track, format, headers[i].TimecodeScaleNs, out duration);
                }

                starts[i] = time;
                durations[i] = duration;
                time += duration;
            }

            tracks.Add(new SessionTrack(format, starts, durations));
        }

        return tracks;
    }
}
