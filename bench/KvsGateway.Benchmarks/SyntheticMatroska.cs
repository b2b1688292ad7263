using System.Buffers.Binary;

namespace KvsGateway.Benchmarks;

/// <summary>Builds a large KVS-shaped Matroska stream in memory: one H.264 track, 2 s clusters of 50 frames.</summary>
internal static class SyntheticMatroska
{
    // avcC of the committed fixture (baseline, level 1.3, 320x240).
    private static readonly byte[] AvcC = Convert.FromHexString("0142c00dffe100186742c00dd90141fb011000000300100000030320f142a48001000468cb8cb2");

    public static byte[] Create(int clusters, int frameBytes)
    {
        using var output = new MemoryStream();
        Write(output, 0x1A45DFA3, Element(0x4282, "matroska"u8.ToArray()));
        using var segment = new MemoryStream();
        Write(segment, 0x1549A966, Element(0x2AD7B1, UInt(1_000_000)));
        var entry = Concat(Element(0xD7, UInt(1)), Element(0x83, UInt(1)), Element(0x86, "V_MPEG4/ISO/AVC"u8.ToArray()), Element(0x63A2, AvcC), Element(0xE0, Concat(Element(0xB0, UInt(320)), Element(0xBA, UInt(240)))));
        Write(segment, 0x1654AE6B, Element(0xAE, entry));
        var random = new Random(42);
        var frame = new byte[frameBytes];
        for (var c = 0; c < clusters; c++)
        {
            using var cluster = new MemoryStream();
            Write(cluster, 0xE7, UInt((ulong)c * 2000));
            for (var f = 0; f < 50; f++)
            {
                random.NextBytes(frame);
                var block = new byte[4 + frame.Length];
                block[0] = 0x81;
                BinaryPrimitives.WriteInt16BigEndian(block.AsSpan(1), (short)(f * 40));
                block[3] = f == 0 ? (byte)0x80 : (byte)0;
                frame.CopyTo(block, 4);
                Write(cluster, 0xA3, block);
            }

            Write(segment, 0x1F43B675, cluster.ToArray());
        }

        Write(output, 0x18538067, segment.ToArray());
        return output.ToArray();
    }

    private static byte[] Element(uint id, byte[] payload)
    {
        using var stream = new MemoryStream();
        Write(stream, id, payload);
        return stream.ToArray();
    }

    private static void Write(Stream stream, uint id, byte[] payload)
    {
        Span<byte> idBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(idBytes, id);
        var skip = id > 0xFFFFFF ? 0 : id > 0xFFFF ? 1 : id > 0xFF ? 2 : 3;
        stream.Write(idBytes[skip..]);
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(size, (ulong)(uint)payload.Length | (1UL << 56));
        stream.Write(size);
        stream.Write(payload);
    }

    private static byte[] UInt(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
