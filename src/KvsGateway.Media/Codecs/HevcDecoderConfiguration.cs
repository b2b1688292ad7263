using System.Globalization;
using System.Text;

namespace KvsGateway.Media.Codecs;

/// <summary>An HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3), the CodecPrivate of an H.265 track.</summary>
public sealed class HevcDecoderConfiguration
{
    private const int FixedPartLength = 23;

    private HevcDecoderConfiguration(byte[] record, string codecs, int width, int height)
    {
        Record = record;
        CodecsString = codecs;
        Width = width;
        Height = height;
    }

    public byte[] Record { get; }

    /// <summary>Codecs string per ISO/IEC 14496-15 annex E, e.g. <c>hvc1.1.6.L93.B0</c>.</summary>
    public string CodecsString { get; }

    public int Width { get; }

    public int Height { get; }

    public static HevcDecoderConfiguration Parse(byte[]? codecPrivate)
    {
        if (codecPrivate is null || codecPrivate.Length == 0)
        {
            throw new MediaFormatException(MediaFormatError.MissingCodecPrivateData, "The H.265 track has no codec private data.");
        }

        var span = codecPrivate.AsSpan();
        if (span.Length < FixedPartLength)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"HEVC CPD must be at least {FixedPartLength} bytes, but was {span.Length}.");
        }

        if (span[0] != 1)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"HEVC CPD configurationVersion must be 1, but was {span[0]}.");
        }

        var profileSpace = span[1] >> 6;
        var tier = (span[1] >> 5) & 1;
        var profile = span[1] & 0x1F;
        var compatibility = (uint)((span[2] << 24) | (span[3] << 16) | (span[4] << 8) | span[5]);
        var constraints = span.Slice(6, 6);
        var level = span[12];
        if ((span[21] & 0x3) == 2)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "HEVC CPD NAL length size must be 1, 2 or 4, but was 3.");
        }

        var arrays = span[22];
        var offset = FixedPartLength;
        (int Width, int Height)? size = null;
        for (var a = 0; a < arrays; a++)
        {
            if (offset + 3 > span.Length)
            {
                throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "HEVC CPD ends inside a parameter-set array header.");
            }

            var nalType = span[offset] & 0x3F;
            var count = (span[offset + 1] << 8) | span[offset + 2];
            offset += 3;
            for (var n = 0; n < count; n++)
            {
                if (offset + 2 > span.Length)
                {
                    throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "HEVC CPD ends inside a NAL unit length.");
                }

                var length = (span[offset] << 8) | span[offset + 1];
                offset += 2;
                if (length == 0 || offset + length > span.Length)
                {
                    throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"HEVC CPD NAL unit of {length} bytes runs past the record.");
                }

                if (nalType == 33 && size is null)
                {
                    size = ParseSpsSize(span.Slice(offset, length));
                }

                offset += length;
            }
        }

        if (size is not { } picture)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "HEVC CPD holds no SPS.");
        }

        return new HevcDecoderConfiguration(codecPrivate, CodecsStringOf(profileSpace, profile, compatibility, tier, level, constraints), picture.Width, picture.Height);
    }

    private static string CodecsStringOf(int profileSpace, int profile, uint compatibility, int tier, int level, ReadOnlySpan<byte> constraints)
    {
        var builder = new StringBuilder("hvc1.");
        if (profileSpace > 0)
        {
            builder.Append((char)('A' + profileSpace - 1));
        }

        builder.Append(profile.ToString(CultureInfo.InvariantCulture)).Append('.');
        uint reversed = 0;
        for (var i = 0; i < 32; i++)
        {
            reversed |= ((compatibility >> i) & 1) << (31 - i);
        }

        builder.Append(reversed.ToString("X", CultureInfo.InvariantCulture)).Append('.');
        builder.Append(tier == 0 ? 'L' : 'H').Append(level.ToString(CultureInfo.InvariantCulture));
        var last = constraints.Length - 1;
        while (last >= 0 && constraints[last] == 0)
        {
            last--;
        }

        for (var i = 0; i <= last; i++)
        {
            builder.Append('.').Append(constraints[i].ToString("X", CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    /// <summary>Reads the conformance-window picture size from an SPS NAL unit (ITU-T H.265 §7.3.2.2).</summary>
    private static (int Width, int Height) ParseSpsSize(ReadOnlySpan<byte> nal)
    {
        if (nal.Length < 3)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "HEVC SPS is too short.");
        }

        var rbsp = BitReader.Unescape(nal[2..]);
        var r = new BitReader(rbsp);
        r.ReadBits(4);
        var maxSubLayersMinus1 = (int)r.ReadBits(3);
        r.ReadBit();
        r.ReadBits(8);
        r.ReadBits(32);
        r.ReadBits(32);
        r.ReadBits(16);
        r.ReadBits(8);
        var profilePresent = new bool[maxSubLayersMinus1];
        var levelPresent = new bool[maxSubLayersMinus1];
        for (var i = 0; i < maxSubLayersMinus1; i++)
        {
            profilePresent[i] = r.ReadBit() == 1;
            levelPresent[i] = r.ReadBit() == 1;
        }

        if (maxSubLayersMinus1 > 0)
        {
            for (var i = maxSubLayersMinus1; i < 8; i++)
            {
                r.ReadBits(2);
            }
        }

        for (var i = 0; i < maxSubLayersMinus1; i++)
        {
            if (profilePresent[i])
            {
                r.ReadBits(32);
                r.ReadBits(32);
                r.ReadBits(24);
            }

            if (levelPresent[i])
            {
                r.ReadBits(8);
            }
        }

        r.ReadUnsignedExpGolomb();
        var chroma = r.ReadUnsignedExpGolomb();
        if (chroma == 3)
        {
            r.ReadBit();
        }

        var width = (long)r.ReadUnsignedExpGolomb();
        var height = (long)r.ReadUnsignedExpGolomb();
        if (r.ReadBit() == 1)
        {
            var subWidth = chroma is 1 or 2 ? 2 : 1;
            var subHeight = chroma == 1 ? 2 : 1;
            width -= subWidth * ((long)r.ReadUnsignedExpGolomb() + r.ReadUnsignedExpGolomb());
            height -= subHeight * ((long)r.ReadUnsignedExpGolomb() + r.ReadUnsignedExpGolomb());
        }

        if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"HEVC SPS gives an invalid picture size {width}x{height}.");
        }

        return ((int)width, (int)height);
    }
}
