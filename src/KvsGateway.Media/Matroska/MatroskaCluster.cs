namespace KvsGateway.Media.Matroska;

/// <summary>One Cluster: a KVS fragment. Frames are kept in the order they were written (decode order).</summary>
public sealed class MatroskaCluster
{
    public MatroskaCluster(long timecode, IReadOnlyList<MatroskaFrame> frames, long byteLength, MatroskaSegmentHeader header)
    {
        Timecode = timecode;
        Frames = frames;
        ByteLength = byteLength;
        Header = header;
    }

    /// <summary>Cluster Timecode in Segment timecode units.</summary>
    public long Timecode { get; }

    public IReadOnlyList<MatroskaFrame> Frames { get; }

    /// <summary>Bytes the Cluster took in the input, header included.</summary>
    public long ByteLength { get; }

    /// <summary>The Segment header (tracks, timecode scale) the Cluster belongs to.</summary>
    public MatroskaSegmentHeader Header { get; }
}
