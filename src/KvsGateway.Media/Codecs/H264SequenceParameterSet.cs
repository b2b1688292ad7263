namespace KvsGateway.Media.Codecs;

/// <summary>The fields of an H.264 SPS that packaging needs: the displayed picture size.</summary>
public sealed record H264SequenceParameterSet(int ProfileIdc, int LevelIdc, int Width, int Height)
{
    /// <summary>Parses an SPS NAL unit (with its one-byte NAL header).</summary>
    public static H264SequenceParameterSet Parse(ReadOnlySpan<byte> nal)
    {
        if (nal.Length < 4 || (nal[0] & 0x1F) != 7)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "AVC CPD holds an SPS that is not an SPS NAL unit.");
        }

        var rbsp = BitReader.Unescape(nal[1..]);
        var r = new BitReader(rbsp);
        var profile = (int)r.ReadBits(8);
        r.ReadBits(8);
        var level = (int)r.ReadBits(8);
        r.ReadUnsignedExpGolomb();
        uint chromaFormat = 1;
        if (profile is 100 or 110 or 122 or 244 or 44 or 83 or 86 or 118 or 128 or 138 or 139 or 134 or 135)
        {
            chromaFormat = r.ReadUnsignedExpGolomb();
            if (chromaFormat == 3)
            {
                r.ReadBit();
            }

            r.ReadUnsignedExpGolomb();
            r.ReadUnsignedExpGolomb();
            r.ReadBit();
            if (r.ReadBit() == 1)
            {
                var lists = chromaFormat == 3 ? 12 : 8;
                for (var i = 0; i < lists; i++)
                {
                    if (r.ReadBit() == 1)
                    {
                        SkipScalingList(ref r, i < 6 ? 16 : 64);
                    }
                }
            }
        }

        r.ReadUnsignedExpGolomb();
        var pocType = r.ReadUnsignedExpGolomb();
        if (pocType == 0)
        {
            r.ReadUnsignedExpGolomb();
        }
        else if (pocType == 1)
        {
            r.ReadBit();
            r.ReadSignedExpGolomb();
            r.ReadSignedExpGolomb();
            var cycle = r.ReadUnsignedExpGolomb();
            if (cycle > 255)
            {
                throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "AVC SPS has an invalid POC cycle.");
            }

            for (var i = 0; i < cycle; i++)
            {
                r.ReadSignedExpGolomb();
            }
        }

        r.ReadUnsignedExpGolomb();
        r.ReadBit();
        var widthInMbs = r.ReadUnsignedExpGolomb() + 1;
        var heightInMapUnits = r.ReadUnsignedExpGolomb() + 1;
        var frameMbsOnly = r.ReadBit();
        if (frameMbsOnly == 0)
        {
            r.ReadBit();
        }

        r.ReadBit();
        uint cropLeft = 0, cropRight = 0, cropTop = 0, cropBottom = 0;
        if (r.ReadBit() == 1)
        {
            cropLeft = r.ReadUnsignedExpGolomb();
            cropRight = r.ReadUnsignedExpGolomb();
            cropTop = r.ReadUnsignedExpGolomb();
            cropBottom = r.ReadUnsignedExpGolomb();
        }

        var cropUnitX = chromaFormat is 1 or 2 ? 2u : 1u;
        var cropUnitY = (chromaFormat == 1 ? 2u : 1u) * (2 - frameMbsOnly);
        if (chromaFormat == 0)
        {
            cropUnitY = 2 - frameMbsOnly;
        }

        var width = (long)(widthInMbs * 16) - (cropUnitX * (cropLeft + cropRight));
        var height = ((long)(2 - frameMbsOnly) * heightInMapUnits * 16) - (cropUnitY * (cropTop + cropBottom));
        if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"AVC SPS gives an invalid picture size {width}x{height}.");
        }

        return new H264SequenceParameterSet(profile, level, (int)width, (int)height);
    }

    private static void SkipScalingList(ref BitReader r, int size)
    {
        int last = 8, next = 8;
        for (var j = 0; j < size; j++)
        {
            if (next != 0)
            {
                next = (last + r.ReadSignedExpGolomb() + 256) % 256;
            }

            last = next == 0 ? last : next;
        }
    }
}
