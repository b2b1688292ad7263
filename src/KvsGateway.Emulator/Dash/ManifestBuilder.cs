using KvsGateway.Kvs.Manifests;
using KvsGateway.Media.Packaging;

namespace KvsGateway.Emulator.Dash;

/// <summary>Builds the MPD of a session: one AdaptationSet per track, one <c>S</c> per fragment.</summary>
public static class ManifestBuilder
{
    public static MpdDocument Build(EmulatorSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var parameters = session.Parameters;
        var token = Uri.EscapeDataString(session.Token);
        var sets = new List<MpdAdaptationSet>(session.Tracks.Count);
        long totalBytes = 0;
        foreach (var fragment in session.Fragments)
        {
            totalBytes += fragment.SizeInBytes;
        }

        foreach (var track in session.Tracks)
        {
            var format = track.Format;
            var segments = new MpdSegment[session.Fragments.Count];
            for (var i = 0; i < segments.Length; i++)
            {
                var fragment = session.Fragments[i];
                segments[i] = new MpdSegment(
                    track.Starts[i],
                    track.Durations[i],
                    parameters.DisplayFragmentTimestamp ? FragmentSelection.TimestampOf(fragment, parameters.SelectorKind).ToUnixTimeMilliseconds() : null,
                    parameters.DisplayFragmentNumber ? fragment.FragmentNumber : null);
            }

            var seconds = track.Durations.Count == 0 ? 0 : (double)track.Durations.Aggregate(0UL, (a, b) => a + b) / format.Timescale;
            sets.Add(new MpdAdaptationSet
            {
                ContentType = format.Kind == TrackKind.Video ? "video" : "audio",
                MimeType = format.MimeType,
                Codecs = format.Codecs,
                RepresentationId = format.TrackId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Bandwidth = seconds > 0 ? (long)(totalBytes * 8 / seconds) : 0,
                Width = format.Width,
                Height = format.Height,
                AudioSamplingRate = format.SampleRate,
                AudioChannels = format.Kind == TrackKind.Audio ? format.Channels : 0,
                Timescale = format.Timescale,
                Initialization = $"getMP4InitFragment.mp4?SessionToken={token}&TrackNumber={format.TrackId}",
                Media = $"getMP4MediaFragment.mp4?SessionToken={token}&TrackNumber={format.TrackId}&SequenceNumber=$Number$",
                Segments = segments,
            });
        }

        var video = session.Tracks[0];
        ulong total = 0;
        foreach (var duration in video.Durations)
        {
            total += duration;
        }

        return new MpdDocument
        {
            IsDynamic = false,
            MediaPresentationDuration = TimeSpan.FromTicks((long)((Int128)total * TimeSpan.TicksPerSecond / video.Format.Timescale)),
            DeclareKvsNamespace = parameters.DisplayFragmentTimestamp || parameters.DisplayFragmentNumber,
            AdaptationSets = sets,
        };
    }
}
