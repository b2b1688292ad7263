namespace KvsGateway.Media.Codecs;

/// <summary>Reads bits and Exp-Golomb codes from an RBSP (emulation prevention bytes already removed).</summary>
internal ref struct BitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _bit;

    public BitReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _bit = 0;
    }

    public uint ReadBits(int count)
    {
        uint value = 0;
        for (var i = 0; i < count; i++)
        {
            value = (value << 1) | ReadBit();
        }

        return value;
    }

    public uint ReadBit()
    {
        var index = _bit >> 3;
        if (index >= _data.Length)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "Parameter set ended early.");
        }

        var bit = (uint)(_data[index] >> (7 - (_bit & 7))) & 1;
        _bit++;
        return bit;
    }

    public uint ReadUnsignedExpGolomb()
    {
        var zeros = 0;
        while (ReadBit() == 0)
        {
            if (++zeros > 31)
            {
                throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "Invalid Exp-Golomb code in a parameter set.");
            }
        }

        return (uint)((1L << zeros) - 1 + ReadBits(zeros));
    }

    public int ReadSignedExpGolomb()
    {
        var code = ReadUnsignedExpGolomb();
        return (code & 1) == 1 ? (int)((code + 1) / 2) : -(int)(code / 2);
    }

    public static byte[] Unescape(ReadOnlySpan<byte> nal)
    {
        var output = new byte[nal.Length];
        var length = 0;
        var zeros = 0;
        foreach (var b in nal)
        {
            if (zeros >= 2 && b == 3)
            {
                zeros = 0;
                continue;
            }

            zeros = b == 0 ? zeros + 1 : 0;
            output[length++] = b;
        }

        return output[..length];
    }
}
