using KvsGateway.Media.Codecs;
using KvsGateway.Media.Matroska;

namespace KvsGateway.Media.Packaging;

/// <summary>Checks a Matroska track against what KVS packages for DASH and describes it for MP4.</summary>
public static class TrackFormatFactory
{
    public static bool IsAvc(string codecId) => codecId is "V_MPEG4/ISO/AVC" or "V_MPEG/ISO/AVC";

    /// <summary>Describes every track of a segment; track 1 must be video, as KVS requires.</summary>
    public static IReadOnlyList<TrackFormat> Create(MatroskaSegmentHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var formats = new List<TrackFormat>(header.Tracks.Count);
        foreach (var track in header.Tracks)
        {
            formats.Add(Create(track, header.TimecodeScaleNs));
        }

        return formats;
    }

    public static TrackFormat Create(MatroskaTrack track, long timecodeScaleNs)
    {
        ArgumentNullException.ThrowIfNull(track);
        if (track.TrackNumber > uint.MaxValue)
        {
            throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"Track number {track.TrackNumber} is out of range.");
        }

        if (IsAvc(track.CodecId))
        {
            var avc = AvcDecoderConfiguration.Parse(track.CodecPrivate);
            return new TrackFormat
            {
                TrackId = (uint)track.TrackNumber,
                Kind = TrackKind.Video,
                Codecs = avc.CodecsString,
                Timescale = VideoTimescale(timecodeScaleNs),
                SampleEntryType = "avc1",
                SampleEntryConfigType = "avcC",
                SampleEntryConfig = avc.Record,
                Width = avc.Sps.Width,
                Height = avc.Sps.Height,
            };
        }

        throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"Codec '{track.CodecId}' of track {track.TrackNumber} is not supported for DASH playback.");
    }

    /// <summary>90 kHz when Matroska ticks convert to it exactly, else the Matroska tick rate itself.</summary>
    internal static uint VideoTimescale(long timecodeScaleNs)
    {
        if (1_000_000_000 % timecodeScaleNs == 0)
        {
            var ticksPerSecond = 1_000_000_000 / timecodeScaleNs;
            return 90_000 % ticksPerSecond == 0 ? 90_000u : (uint)ticksPerSecond;
        }

        return 1_000_000_000;
    }
}
