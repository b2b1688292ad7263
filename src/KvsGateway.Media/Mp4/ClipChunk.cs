namespace KvsGateway.Media.Mp4;

/// <summary>One fragment's samples of one track in a clip: stored together, so one MP4 chunk.</summary>
public sealed record ClipChunk(IReadOnlyList<Mp4Sample> Samples)
{
    public long Size { get; } = Samples.Sum(s => (long)s.Size);
}
