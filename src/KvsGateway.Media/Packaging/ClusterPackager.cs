using KvsGateway.Media.Codecs;
using KvsGateway.Media.Matroska;
using KvsGateway.Media.Mp4;

namespace KvsGateway.Media.Packaging;

/// <summary>
/// Turns a Cluster into MP4 sample runs. Matroska stores presentation times in decode order; decode
/// times are the sorted presentation times, so B-frames get composition offsets. The last frame's
/// duration comes from BlockDuration, else the track's DefaultDuration, else the frame before it.
/// </summary>
public static class ClusterPackager
{
    public static PackagedFragment Package(MatroskaCluster cluster, IReadOnlyList<TrackFormat> formats)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(formats);
        var header = cluster.Header;
        var tracks = new List<PackagedTrack>(formats.Count);
        foreach (var format in formats)
        {
            var source = header.FindTrack(format.TrackId)
                ?? throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"Track {format.TrackId} is not in the segment.");
            tracks.Add(PackageTrack(cluster, source, format, header.TimecodeScaleNs));
        }

        foreach (var frame in cluster.Frames)
        {
            if (header.FindTrack(frame.TrackNumber) is null)
            {
                throw new MatroskaFormatException($"A block names track {frame.TrackNumber}, which the Tracks element does not declare.");
            }
        }

        return new PackagedFragment(cluster.Timecode, header.TimecodeScaleNs, tracks);
    }

    private static PackagedTrack PackageTrack(MatroskaCluster cluster, MatroskaTrack source, TrackFormat format, long scaleNs)
    {
        var infos = new List<FrameInfo>();
        var data = new List<ReadOnlyMemory<byte>>();
        foreach (var frame in cluster.Frames)
        {
            if (frame.TrackNumber == format.TrackId)
            {
                infos.Add(new FrameInfo(frame.Timecode, frame.IsKeyFrame, frame.BlockDuration, frame.Data.Length));
                data.Add(frame.Data);
            }
        }

        var samples = BuildSamples(infos, source, format, scaleNs, out var duration);
        return new PackagedTrack(format, samples, data, duration);
    }

    /// <summary>Builds a track's sample run as its format dictates: fixed frame lengths (AAC), sizes (G.711), or timecodes.</summary>
    public static Mp4Sample[] BuildSamples(IReadOnlyList<FrameInfo> frames, MatroskaTrack source, TrackFormat format, long scaleNs, out ulong totalDuration)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(format);
        if (format.FixedSampleDuration is null && format.BytesPerSampleFrame is null)
        {
            return BuildSamples(frames, source.DefaultDurationNs, scaleNs, format.Timescale, out totalDuration);
        }

        var samples = new Mp4Sample[frames.Count];
        ulong total = 0;
        for (var i = 0; i < samples.Length; i++)
        {
            var duration = format.FixedSampleDuration ?? (uint)(frames[i].Size / format.BytesPerSampleFrame!.Value);
            samples[i] = new Mp4Sample((uint)frames[i].Size, duration, 0, true);
            total += duration;
        }

        totalDuration = total;
        return samples;
    }

    /// <summary>Builds the sample run of one track's frames (in decode order) at the given timescale.</summary>
    public static Mp4Sample[] BuildSamples(IReadOnlyList<FrameInfo> frames, ulong? defaultDurationNs, long scaleNs, uint timescale, out ulong totalDuration)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var count = frames.Count;
        var samples = new Mp4Sample[count];
        totalDuration = 0;
        if (count == 0)
        {
            return samples;
        }

        var pts = new long[count];
        for (var i = 0; i < count; i++)
        {
            pts[i] = ToTicks(frames[i].Timecode, scaleNs, timescale);
        }

        var dts = (long[])pts.Clone();
        Array.Sort(dts);
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            var duration = i + 1 < count
                ? dts[i + 1] - dts[i]
                : LastDuration(frames[i], pts[i], count > 1 ? dts[i] - dts[i - 1] : null, defaultDurationNs, scaleNs, timescale);

            if (duration < 0 || duration > uint.MaxValue)
            {
                throw new MatroskaFormatException($"A frame duration of {duration} ticks is out of range.");
            }

            // trun holds a signed 32-bit composition offset; damaged timecodes can ask for more.
            var offset = pts[i] - dts[i];
            if (offset is < int.MinValue or > int.MaxValue)
            {
                throw new MatroskaFormatException($"A frame's composition offset of {offset} ticks is out of range.");
            }

            samples[i] = new Mp4Sample((uint)frames[i].Size, (uint)duration, (int)offset, frames[i].IsKeyFrame);
            total += duration;
        }

        totalDuration = (ulong)total;
        return samples;
    }

    /// <summary>
    /// What <see cref="BuildSamples(IReadOnlyList{FrameInfo}, ulong?, long, uint, out ulong)"/> gives as the
    /// frames' total duration, without building a sample per frame: the span from the first decode
    /// time to the last, plus the last frame's duration. Never negative.
    /// </summary>
    public static ulong MeasureDuration(IReadOnlyList<FrameInfo> frames, ulong? defaultDurationNs, long scaleNs, uint timescale)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0)
        {
            return 0;
        }

        long min = long.MaxValue, max = long.MinValue, beforeMax = long.MinValue;
        foreach (var frame in frames)
        {
            var ticks = ToTicks(frame.Timecode, scaleNs, timescale);
            min = Math.Min(min, ticks);
            if (ticks >= max)
            {
                beforeMax = max;
                max = ticks;
            }
            else if (ticks > beforeMax)
            {
                beforeMax = ticks;
            }
        }

        var last = frames[^1];
        var total = max - min + LastDuration(last, ToTicks(last.Timecode, scaleNs, timescale), frames.Count > 1 ? max - beforeMax : null, defaultDurationNs, scaleNs, timescale);
        return total > 0 ? (ulong)total : 0;
    }

    /// <summary>The last frame's duration: its BlockDuration, else the track's default, else the gap before it (a thirtieth of a second alone).</summary>
    private static long LastDuration(FrameInfo last, long lastPts, long? gapBefore, ulong? defaultDurationNs, long scaleNs, uint timescale)
    {
        if (last.BlockDuration is { } blockDuration)
        {
            return ToTicks(last.Timecode + blockDuration, scaleNs, timescale) - lastPts;
        }

        if (defaultDurationNs is { } defaultNs and > 0)
        {
            return (long)((Int128)defaultNs * timescale / 1_000_000_000);
        }

        return gapBefore ?? timescale / 30;
    }

    private static long ToTicks(long timecode, long scaleNs, uint timescale) =>
        (long)((Int128)timecode * scaleNs * timescale / 1_000_000_000);
}
