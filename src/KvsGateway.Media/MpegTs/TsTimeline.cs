using KvsGateway.Media.Codecs;
using KvsGateway.Media.Mp4;

namespace KvsGateway.Media.MpegTs;

/// <summary>Puts a track's MP4 sample run on the 90 kHz clock of MPEG-TS.</summary>
public static class TsTimeline
{
    /// <summary>TS timestamps start here rather than at 0, so PCRs (which run ahead of decode times) stay positive.</summary>
    public const long Offset = 10 * 90_000;

    /// <summary>
    /// The samples of a track starting at <paramref name="start"/> (track ticks) with their bytes (in
    /// sample order, back to back). A presentation time before its decode time (B-frames ordered by
    /// Matroska) moves the run's decode times back by the largest such lead, which TS requires.
    /// </summary>
    public static TsSample[] FromTrack(IReadOnlyList<Mp4Sample> samples, ReadOnlyMemory<byte> bytes, ulong start, uint timescale)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var result = new TsSample[samples.Count];
        long lead = 0;
        foreach (var sample in samples)
        {
            lead = Math.Max(lead, -sample.CompositionOffset);
        }

        var decode = (long)start;
        var offset = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            if (sample.Size > bytes.Length - offset)
            {
                throw new MediaFormatException(MediaFormatError.InvalidMediaFrame, $"Frame {i} of {sample.Size} bytes runs past its track's {bytes.Length} bytes.");
            }

            result[i] = new TsSample(bytes.Slice(offset, (int)sample.Size), ToTs(decode - lead, timescale), ToTs(decode + sample.CompositionOffset, timescale), sample.IsSync);
            decode += sample.Duration;
            offset += (int)sample.Size;
        }

        return result;
    }

    private static long ToTs(long ticks, uint timescale) => Offset + (long)((Int128)ticks * 90_000 / timescale);
}
