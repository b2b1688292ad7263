using KvsGateway.Media.Codecs;
using KvsGateway.Media.Matroska;
using KvsGateway.Media.Mp4;

namespace KvsGateway.Media.Packaging;

/// <summary>Checks a Matroska track against what KVS packages for DASH and describes it for MP4.</summary>
public static class TrackFormatFactory
{
    public static bool IsAvc(string codecId) => codecId is "V_MPEG4/ISO/AVC" or "V_MPEG/ISO/AVC";

    /// <summary>Describes every track of a segment in a layout KVS plays over DASH.</summary>
    public static IReadOnlyList<TrackFormat> Create(MatroskaSegmentHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return CreateForDash(header.Tracks, header.TimecodeScaleNs);
    }

    public static bool IsHevc(string codecId) => codecId is "V_MPEGH/ISO/HEVC" or "V_MPEG/ISO/HEVC";

    public static bool IsAac(string codecId) => codecId == "A_AAC" || codecId.StartsWith("A_AAC/", StringComparison.Ordinal);

    public static bool IsAcm(string codecId) => codecId == "A_MS/ACM";

    public static TrackFormat Create(MatroskaTrack track, long timecodeScaleNs)
    {
        ArgumentNullException.ThrowIfNull(track);
        if (track.TrackNumber is 0 or > uint.MaxValue)
        {
            throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"Track number {track.TrackNumber} is out of range.");
        }

        var id = (uint)track.TrackNumber;
        if (IsAvc(track.CodecId))
        {
            var avc = AvcDecoderConfiguration.Parse(track.CodecPrivate);
            return new TrackFormat
            {
                TrackId = id,
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

        if (IsHevc(track.CodecId))
        {
            var hevc = HevcDecoderConfiguration.Parse(track.CodecPrivate);
            return new TrackFormat
            {
                TrackId = id,
                Kind = TrackKind.Video,
                Codecs = hevc.CodecsString,
                Timescale = VideoTimescale(timecodeScaleNs),
                SampleEntryType = "hvc1",
                SampleEntryConfigType = "hvcC",
                SampleEntryConfig = hevc.Record,
                Width = hevc.Width,
                Height = hevc.Height,
            };
        }

        if (IsAac(track.CodecId))
        {
            var aac = AudioSpecificConfig.Parse(track.CodecPrivate);
            return new TrackFormat
            {
                TrackId = id,
                Kind = TrackKind.Audio,
                Codecs = aac.CodecsString,
                Timescale = (uint)aac.SampleRate,
                SampleEntryType = "mp4a",
                SampleEntryConfigType = "esds",
                SampleEntryConfig = aac.ToEsdsPayload(id),
                SampleRate = aac.SampleRate,
                Channels = aac.Channels,
                FixedSampleDuration = (uint)aac.FrameLength,
            };
        }

        if (IsAcm(track.CodecId))
        {
            var wave = WaveFormat.Parse(track.CodecPrivate);
            var name = wave.FormatTag == WaveFormat.ALaw ? "alaw" : "ulaw";
            return new TrackFormat
            {
                TrackId = id,
                Kind = TrackKind.Audio,
                Codecs = name,
                Timescale = (uint)wave.SampleRate,
                SampleEntryType = name,
                SampleRate = wave.SampleRate,
                Channels = wave.Channels,
                BytesPerSampleFrame = wave.BlockAlign,
            };
        }

        throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"Codec '{track.CodecId}' of track {track.TrackNumber} is not supported for DASH playback.");
    }

    /// <summary>
    /// KVS's DASH layouts: H.264 or H.265 video as the first track, optionally AAC or G.711 audio as
    /// the second; or AAC alone. Codec private data is checked track by track first.
    /// </summary>
    public static IReadOnlyList<TrackFormat> CreateForDash(IReadOnlyList<MatroskaTrack> tracks, long timecodeScaleNs)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        if (tracks.Count is 0 or > 2)
        {
            throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"DASH playback needs one or two tracks, but the stream has {tracks.Count}.");
        }

        var first = tracks[0];
        if (!IsAvc(first.CodecId) && !IsHevc(first.CodecId) && !(tracks.Count == 1 && IsAac(first.CodecId)))
        {
            throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"Track 1 must be H.264 or H.265 video (or AAC audio alone), but is '{first.CodecId}'.");
        }

        if (tracks.Count == 2 && !IsAac(tracks[1].CodecId) && !IsAcm(tracks[1].CodecId))
        {
            throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"Track 2 must be AAC or G.711 audio, but is '{tracks[1].CodecId}'.");
        }

        return tracks.Select(t => Create(t, timecodeScaleNs)).ToList();
    }

    /// <summary>
    /// KVS's HLS layouts: H.264 (or, in fragmented MP4 only, H.265) as the first track, optionally AAC
    /// as the second; or AAC alone. G.711 is never carried over HLS.
    /// </summary>
    public static IReadOnlyList<TrackFormat> CreateForHls(IReadOnlyList<MatroskaTrack> tracks, long timecodeScaleNs, bool mpegTs)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        var container = mpegTs ? "MPEG_TS" : "FRAGMENTED_MP4";
        if (tracks.Count is 0 or > 2)
        {
            throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"HLS playback needs one or two tracks, but the stream has {tracks.Count}.");
        }

        var first = tracks[0];
        var video = IsAvc(first.CodecId) || (!mpegTs && IsHevc(first.CodecId));
        if (!video && !(tracks.Count == 1 && IsAac(first.CodecId)))
        {
            throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, mpegTs
                ? $"With ContainerFormat {container}, track 1 must be H.264 video (or AAC audio alone), but is '{first.CodecId}'."
                : $"With ContainerFormat {container}, track 1 must be H.264 or H.265 video (or AAC audio alone), but is '{first.CodecId}'.");
        }

        if (tracks.Count == 2 && !IsAac(tracks[1].CodecId))
        {
            throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"With ContainerFormat {container}, track 2 must be AAC audio, but is '{tracks[1].CodecId}'.");
        }

        return tracks.Select(t => Create(t, timecodeScaleNs)).ToList();
    }

    /// <summary>
    /// KVS's GetClip layouts: H.264 alone, with AAC, or with G.711 A-law; H.265 alone or with AAC. No
    /// audio-only clip, no µ-law.
    /// </summary>
    public static IReadOnlyList<TrackFormat> CreateForClip(IReadOnlyList<MatroskaTrack> tracks, long timecodeScaleNs)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        if (tracks.Count is 0 or > 2)
        {
            throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"A clip needs one or two tracks, but the stream has {tracks.Count}.");
        }

        var first = tracks[0];
        if (!IsAvc(first.CodecId) && !IsHevc(first.CodecId))
        {
            throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"Track 1 of a clip must be H.264 or H.265 video, but is '{first.CodecId}'.");
        }

        var formats = tracks.Select(t => Create(t, timecodeScaleNs)).ToList();
        if (tracks.Count == 2)
        {
            var second = tracks[1];
            var alaw = IsAcm(second.CodecId) && formats[1].Codecs == "alaw" && IsAvc(first.CodecId);
            if (!IsAac(second.CodecId) && !alaw)
            {
                throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"Track 2 of a clip must be AAC (or G.711 A-law after H.264), but is '{second.CodecId}' ({formats[1].Codecs}).");
            }
        }

        return formats;
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
