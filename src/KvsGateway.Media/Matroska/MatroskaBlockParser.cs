using System.Buffers.Binary;

namespace KvsGateway.Media.Matroska;

/// <summary>
/// Splits a (Simple)Block into frames, undoing Xiph, EBML and fixed-size lacing. Lacing lets a few
/// bytes describe many frames, so the frames a block and a cluster may describe are bounded, and a
/// laced frame of no bytes (which only an attacker sends) is refused.
/// </summary>
internal static class MatroskaBlockParser
{
    public static void Parse(ReadOnlyMemory<byte> block, bool isSimpleBlock, long clusterTimecode, bool? isKeyFrameOverride, long? blockDuration, List<MatroskaFrame> frames, MatroskaReaderOptions limits)
    {
        var span = block.Span;
        var offset = 0;
        var trackNumber = EbmlStreamReader.ReadVint(span, ref offset);
        if (offset + 3 > span.Length)
        {
            throw new MatroskaFormatException("Block too short for its header.");
        }

        var relative = BinaryPrimitives.ReadInt16BigEndian(span.Slice(offset, 2));
        var flags = span[offset + 2];
        offset += 3;
        var keyFrame = isKeyFrameOverride ?? (isSimpleBlock && (flags & 0x80) != 0);
        var timecode = clusterTimecode + relative;
        var lacing = (flags >> 1) & 0x3;
        if (lacing == 0)
        {
            RequireRoom(frames, 1, limits);
            frames.Add(new MatroskaFrame((ulong)trackNumber, timecode, keyFrame, blockDuration, block[offset..]));
            return;
        }

        if (offset >= span.Length)
        {
            throw new MatroskaFormatException("Laced block has no frame count.");
        }

        var count = span[offset++] + 1;
        if (count > limits.MaxFramesPerBlock)
        {
            throw new MatroskaFormatException(MatroskaError.Malformed, $"A laced block holds {count} frames; at most {limits.MaxFramesPerBlock} are accepted.");
        }

        RequireRoom(frames, count, limits);
        Span<long> sizes = stackalloc long[count];
        var remaining = span.Length - offset;
        switch (lacing)
        {
            case 1:
                for (var i = 0; i < count - 1; i++)
                {
                    long size = 0;
                    byte b;
                    do
                    {
                        if (offset >= span.Length)
                        {
                            throw new MatroskaFormatException("Xiph lacing runs past the block.");
                        }

                        b = span[offset++];
                        size += b;
                    }
                    while (b == 255);
                    sizes[i] = size;
                }

                break;
            case 3:
                sizes[0] = EbmlStreamReader.ReadVint(span, ref offset);
                for (var i = 1; i < count - 1; i++)
                {
                    var start = offset;
                    var raw = EbmlStreamReader.ReadVint(span, ref offset);
                    var length = offset - start;
                    var bias = (1L << ((7 * length) - 1)) - 1;
                    sizes[i] = sizes[i - 1] + (raw - bias);
                }

                break;
            case 2:
                if (remaining % count != 0)
                {
                    throw new MatroskaFormatException("Fixed-size lacing does not divide the block evenly.");
                }

                for (var i = 0; i < count - 1; i++)
                {
                    sizes[i] = remaining / count;
                }

                break;
        }

        long used = 0;
        for (var i = 0; i < count - 1; i++)
        {
            if (sizes[i] < 0)
            {
                throw new MatroskaFormatException("Negative lace size.");
            }

            used += sizes[i];
        }

        var last = span.Length - offset - used;
        if (last < 0)
        {
            throw new MatroskaFormatException("Laced frames run past the block.");
        }

        sizes[count - 1] = last;
        for (var i = 0; i < count; i++)
        {
            if (sizes[i] == 0)
            {
                throw new MatroskaFormatException(MatroskaError.Malformed, "A laced block holds a frame of zero bytes.");
            }
        }

        for (var i = 0; i < count; i++)
        {
            // Laced frames share the block timecode; only the first is a key frame.
            frames.Add(new MatroskaFrame((ulong)trackNumber, timecode, keyFrame && i == 0, i == count - 1 ? blockDuration : null, block.Slice(offset, (int)sizes[i])));
            offset += (int)sizes[i];
        }
    }

    private static void RequireRoom(List<MatroskaFrame> frames, int adding, MatroskaReaderOptions limits)
    {
        if (frames.Count + adding > limits.MaxFramesPerCluster)
        {
            throw new MatroskaFormatException(MatroskaError.Malformed, $"A cluster holds more than {limits.MaxFramesPerCluster} frames.");
        }
    }
}
