using KvsGateway.Media.Mp4;

namespace KvsGateway.Media.Packaging;

/// <summary>The samples of one track of one fragment, in decode order, ready for a <c>trun</c>.</summary>
public sealed class PackagedTrack
{
    public PackagedTrack(TrackFormat format, IReadOnlyList<Mp4Sample> samples, IReadOnlyList<ReadOnlyMemory<byte>> sampleData, ulong durationTicks)
    {
        Format = format;
        Samples = samples;
        SampleData = sampleData;
        DurationTicks = durationTicks;
    }

    public TrackFormat Format { get; }

    public IReadOnlyList<Mp4Sample> Samples { get; }

    /// <summary>The sample bytes as the producer sent them, one entry per sample.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> SampleData { get; }

    /// <summary>Sum of the sample durations, in <see cref="TrackFormat.Timescale"/> ticks.</summary>
    public ulong DurationTicks { get; }
}
