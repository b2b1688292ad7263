using System.Buffers.Binary;
using System.Text;

namespace KvsGateway.Media.Matroska;

/// <summary>
/// Writes Matroska as a KVS producer streams it: EBML header, a Segment of unknown size, Info and
/// Tracks, then one known-size Cluster per fragment with SimpleBlocks. Used to re-stream stored
/// media (looping a file into a live stream) with shifted timecodes.
/// </summary>
public sealed class MatroskaWriter
{
    private readonly Stream _output;

    public MatroskaWriter(Stream output)
    {
        _output = output;
    }

    public async Task WriteHeaderAsync(MatroskaSegmentHeader header, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        using var buffer = new MemoryStream();
        WriteElement(buffer, MatroskaIds.EbmlHeader, Concat(
            Element(0x4286, Unsigned(1)),
            Element(0x42F7, Unsigned(1)),
            Element(0x42F2, Unsigned(4)),
            Element(0x42F3, Unsigned(8)),
            Element(MatroskaIds.DocType, Encoding.ASCII.GetBytes("matroska")),
            Element(0x4287, Unsigned(4)),
            Element(0x4285, Unsigned(2))));
        WriteId(buffer, MatroskaIds.Segment);
        buffer.Write([0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        WriteElement(buffer, MatroskaIds.Info, Concat(
            Element(MatroskaIds.TimecodeScale, Unsigned((ulong)header.TimecodeScaleNs)),
            Element(0x4D80, Encoding.ASCII.GetBytes("KvsGateway")),
            Element(0x5741, Encoding.ASCII.GetBytes("KvsGateway"))));
        var tracks = header.Tracks.Select(TrackEntry).ToArray();
        WriteElement(buffer, MatroskaIds.Tracks, Concat(tracks));
        await _output.WriteAsync(buffer.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes one Cluster; frame timecodes are absolute and shifted by <paramref name="offset"/>.</summary>
    public async Task WriteClusterAsync(MatroskaCluster cluster, long offset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var clusterTimecode = cluster.Timecode + offset;
        using var body = new MemoryStream();
        WriteElement(body, MatroskaIds.Timecode, Unsigned((ulong)clusterTimecode));
        foreach (var frame in cluster.Frames)
        {
            var relative = frame.Timecode + offset - clusterTimecode;
            if (relative is < short.MinValue or > short.MaxValue)
            {
                throw new MatroskaFormatException($"A frame lies {relative} ticks from its cluster start; a block can hold only 16 bits.");
            }

            var block = new byte[frame.Data.Length + 4];
            block[0] = (byte)(0x80 | (byte)frame.TrackNumber);
            BinaryPrimitives.WriteInt16BigEndian(block.AsSpan(1), (short)relative);
            block[3] = frame.IsKeyFrame ? (byte)0x80 : (byte)0;
            frame.Data.Span.CopyTo(block.AsSpan(4));
            WriteElement(body, MatroskaIds.SimpleBlock, block);
        }

        using var cluster2 = new MemoryStream();
        WriteElement(cluster2, MatroskaIds.Cluster, body.ToArray());
        await _output.WriteAsync(cluster2.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    private static byte[] TrackEntry(MatroskaTrack track)
    {
        if (track.TrackNumber > 126)
        {
            throw new MatroskaFormatException("Track numbers above 126 are not written.");
        }

        var parts = new List<byte[]>
        {
            Element(MatroskaIds.TrackNumber, Unsigned(track.TrackNumber)),
            Element(MatroskaIds.TrackUid, Unsigned(track.TrackUid == 0 ? track.TrackNumber : track.TrackUid)),
            Element(MatroskaIds.TrackType, Unsigned((ulong)track.TrackType)),
            Element(MatroskaIds.CodecId, Encoding.ASCII.GetBytes(track.CodecId)),
        };
        if (track.CodecPrivate is { } cpd)
        {
            parts.Add(Element(MatroskaIds.CodecPrivate, cpd));
        }

        if (track.DefaultDurationNs is { } duration)
        {
            parts.Add(Element(MatroskaIds.DefaultDuration, Unsigned(duration)));
        }

        if (track.PixelWidth > 0)
        {
            parts.Add(Element(MatroskaIds.Video, Concat(Element(MatroskaIds.PixelWidth, Unsigned((ulong)track.PixelWidth)), Element(MatroskaIds.PixelHeight, Unsigned((ulong)track.PixelHeight)))));
        }

        if (track.SamplingFrequency > 0)
        {
            var frequency = new byte[8];
            BinaryPrimitives.WriteDoubleBigEndian(frequency, track.SamplingFrequency);
            parts.Add(Element(MatroskaIds.Audio, Concat(Element(MatroskaIds.SamplingFrequency, frequency), Element(MatroskaIds.Channels, Unsigned((ulong)Math.Max(1, track.Channels))))));
        }

        return Element(MatroskaIds.TrackEntry, Concat([.. parts]));
    }

    private static byte[] Element(uint id, byte[] payload)
    {
        using var stream = new MemoryStream(payload.Length + 12);
        WriteElement(stream, id, payload);
        return stream.ToArray();
    }

    private static void WriteElement(Stream stream, uint id, byte[] payload)
    {
        WriteId(stream, id);
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(size, (ulong)payload.LongLength | (1UL << 56));
        stream.Write(size);
        stream.Write(payload);
    }

    private static void WriteId(Stream stream, uint id)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, id);
        var skip = id > 0xFFFFFF ? 0 : id > 0xFFFF ? 1 : id > 0xFF ? 2 : 3;
        stream.Write(bytes[skip..]);
    }

    private static byte[] Unsigned(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        var skip = 0;
        while (skip < 7 && bytes[skip] == 0)
        {
            skip++;
        }

        return bytes[skip..];
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
