using System.Globalization;
using KvsGateway.Emulator.Sessions;
using KvsGateway.Kvs.Manifests;
using KvsGateway.Kvs.Validation;
using KvsGateway.Media.Mp4;

namespace KvsGateway.Emulator.Dash;

/// <summary>
/// Builds a session's MPD: one AdaptationSet per track, one <c>S</c> per fragment. ON_DEMAND is static
/// and lists everything; LIVE and LIVE_REPLAY are dynamic and list the newest
/// MaxManifestFragmentResults fragments, numbered as the session first numbered them.
/// </summary>
public static class ManifestBuilder
{
    /// <summary>The session's manifest; fragments received before <paramref name="retainedSince"/> are past retention and left out.</summary>
    public static MpdDocument Build(EmulatorSession session, DateTimeOffset now, DateTimeOffset retainedSince)
    {
        ArgumentNullException.ThrowIfNull(session);
        var parameters = (DashSessionParameters)session.Parameters;
        var listed = session.Listed.Where(f => f.Entry.ServerTimestamp >= retainedSince).ToList();
        var isDynamic = parameters.PlaybackMode != PlaybackMode.OnDemand;
        var window = isDynamic && listed.Count > parameters.MaxFragmentResults
            ? listed.Skip(listed.Count - parameters.MaxFragmentResults).ToList()
            : listed.ToList();
        var token = Uri.EscapeDataString(session.Token);
        long windowBytes = window.Sum(f => f.Entry.SizeInBytes);
        var sets = new List<MpdAdaptationSet>(session.Formats.Count);
        for (var t = 0; t < session.Formats.Count; t++)
        {
            var format = session.Formats[t];
            var segments = window.Select(f => new MpdSegment(
                f.Starts[t],
                f.Durations[t],
                parameters.DisplayFragmentTimestamp ? FragmentSelection.TimestampOf(f.Entry, parameters.SelectorKind).ToUnixTimeMilliseconds() : null,
                parameters.DisplayFragmentNumber ? f.Entry.FragmentNumber : null)).ToList();
            var seconds = (double)window.Sum(f => (long)f.Durations[t]) / format.Timescale;
            sets.Add(new MpdAdaptationSet
            {
                ContentType = format.Kind == TrackKind.Video ? "video" : "audio",
                MimeType = format.MimeType,
                Codecs = format.Codecs,
                RepresentationId = format.TrackId.ToString(CultureInfo.InvariantCulture),
                Bandwidth = seconds > 0 ? (long)(windowBytes * 8 / seconds) : 0,
                Width = format.Width,
                Height = format.Height,
                AudioSamplingRate = format.SampleRate,
                AudioChannels = format.Kind == TrackKind.Audio ? format.Channels : 0,
                Timescale = format.Timescale,
                Initialization = $"getMP4InitFragment.mp4?SessionToken={token}&TrackNumber={format.TrackId}",
                Media = $"getMP4MediaFragment.mp4?SessionToken={token}&TrackNumber={format.TrackId}&SequenceNumber=$Number$",
                StartNumber = window.Count == 0 ? 1 : window[0].SequenceNumber,
                Segments = segments,
            });
        }

        // The presentation lasts as long as its longest track: players end playback at its end, and
        // an AAC track's last frame can run past the video's last frame (64 ms frames at 16 kHz).
        var windowDuration = session.Formats.Select((format, t) => Ticks(window.Sum(f => (long)f.Durations[t]), format.Timescale)).Max();
        if (!isDynamic)
        {
            return new MpdDocument
            {
                IsDynamic = false,
                MediaPresentationDuration = windowDuration,
                DeclareKvsNamespace = parameters.DisplayFragmentTimestamp || parameters.DisplayFragmentNumber,
                AdaptationSets = sets,
            };
        }

        // t = 0 is when the session's first fragment became available: its arrival for LIVE, the
        // session's start for LIVE_REPLAY (which then reveals fragments as real time passes).
        var availabilityStart = parameters.PlaybackMode == PlaybackMode.Live && listed.Count > 0
            ? listed[0].Entry.ServerTimestamp
            : session.CreatedAt;
        return new MpdDocument
        {
            IsDynamic = true,
            AvailabilityStartTime = availabilityStart,
            PublishTime = now,
            MinimumUpdatePeriod = TimeSpan.FromSeconds(1),
            TimeShiftBufferDepth = windowDuration,
            DeclareKvsNamespace = parameters.DisplayFragmentTimestamp || parameters.DisplayFragmentNumber,
            AdaptationSets = sets,
        };
    }

    private static TimeSpan Ticks(long ticks, uint timescale) => TimeSpan.FromTicks((long)((Int128)ticks * TimeSpan.TicksPerSecond / timescale));
}
