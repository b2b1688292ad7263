using System.Buffers.Binary;

namespace KvsGateway.Testing;

/// <summary>
/// Matroska crafted to cost the reader as much as possible per byte received: the header of a real
/// fixture (so its tracks are valid), then clusters packed with blocks that describe many frames
/// in few bytes. <see cref="Lacing.FixedZeroLength"/> is what an attacker sends against a reader
/// without bounds (256 frames in 7 bytes); the others stay within the bounds and are the worst
/// a bounded reader still has to accept.
/// </summary>
public static class HostileMatroska
{
    private static readonly byte[] ClusterId = [0x1F, 0x43, 0xB6, 0x75];
    private static readonly byte[] SegmentId = [0x18, 0x53, 0x80, 0x67];

    public enum Lacing
    {
        /// <summary>Fixed-size lacing of 256 frames of zero bytes: a 7-byte block.</summary>
        FixedZeroLength,

        /// <summary>Fixed-size lacing of <c>framesPerBlock</c> frames of <c>frameBytes</c> each.</summary>
        Fixed,

        /// <summary>One frame of <c>frameBytes</c> per SimpleBlock (no lacing): 6 bytes of header a frame.</summary>
        None,
    }

    /// <summary>
    /// The fixture's bytes up to its first Cluster, then clusters of about <paramref name="clusterBytes"/>
    /// bytes (each holding at most <paramref name="framesPerCluster"/> frames) until the body is
    /// <paramref name="totalBytes"/> long. Every frame is a track-1 key frame at the cluster's start.
    /// </summary>
    public static byte[] Build(byte[] fixture, Lacing lacing, int totalBytes, int clusterBytes, int frameBytes = 1, int framesPerBlock = 64, int framesPerCluster = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        // The fixture's header with its Segment's size made unknown, so clusters may follow without end.
        var header = fixture.AsSpan(0, fixture.AsSpan().IndexOf(ClusterId));
        var segment = header.IndexOf(SegmentId) + SegmentId.Length;
        var sizeLength = System.Numerics.BitOperations.LeadingZeroCount((uint)header[segment]) - 23;
        var output = new MemoryStream(totalBytes + clusterBytes);
        output.Write(header[..segment]);
        output.Write([0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        output.Write(header[(segment + sizeLength)..]);
        long timecode = 0;
        Span<byte> value = stackalloc byte[8];
        while (output.Length < totalBytes)
        {
            var body = new MemoryStream(clusterBytes + 64);
            body.Write([0xE7, 0x88]);
            BinaryPrimitives.WriteInt64BigEndian(value, timecode);
            body.Write(value);
            var frames = 0;
            while (body.Length < clusterBytes && frames < framesPerCluster)
            {
                frames += WriteBlock(body, lacing, frameBytes, Math.Min(framesPerBlock, framesPerCluster - frames));
            }

            output.Write(ClusterId);
            output.WriteByte(0x01);
            BinaryPrimitives.WriteInt64BigEndian(value, body.Length);
            output.Write(value[1..]);
            body.Position = 0;
            body.CopyTo(output);
            timecode += 2000;
        }

        return output.ToArray();
    }

    private static int WriteBlock(Stream body, Lacing lacing, int frameBytes, int frames)
    {
        switch (lacing)
        {
            case Lacing.FixedZeroLength:
                // Track 1, relative timecode 0, key frame with fixed-size lacing, 256 frames, no data.
                body.Write([0xA3, 0x85, 0x81, 0x00, 0x00, 0x84, 0xFF]);
                return 256;
            case Lacing.Fixed:
                var size = 5 + (frames * frameBytes);
                body.Write([0xA3, (byte)(0x40 | (size >> 8)), (byte)size, 0x81, 0x00, 0x00, 0x84, (byte)(frames - 1)]);
                body.Write(Enumerable.Repeat((byte)0x65, frames * frameBytes).ToArray());
                return frames;
            default:
                body.Write([0xA3, (byte)(0x80 | (4 + frameBytes)), 0x81, 0x00, 0x00, 0x80]);
                body.Write(Enumerable.Repeat((byte)0x65, frameBytes).ToArray());
                return 1;
        }
    }
}
