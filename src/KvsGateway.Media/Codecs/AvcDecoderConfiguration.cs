namespace KvsGateway.Media.Codecs;

/// <summary>An AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3), the CodecPrivate of an H.264 track.</summary>
public sealed class AvcDecoderConfiguration
{
    private AvcDecoderConfiguration(byte[] record, int profile, int compatibility, int level, int nalLengthSize, H264SequenceParameterSet sps)
    {
        Record = record;
        Profile = profile;
        Compatibility = compatibility;
        Level = level;
        NalLengthSize = nalLengthSize;
        Sps = sps;
    }

    /// <summary>The record as it goes into the <c>avcC</c> box.</summary>
    public byte[] Record { get; }

    public int Profile { get; }

    public int Compatibility { get; }

    public int Level { get; }

    public int NalLengthSize { get; }

    public H264SequenceParameterSet Sps { get; }

    /// <summary>The record's SPS NAL units, then its PPS NAL units, without length prefixes.</summary>
    public IReadOnlyList<byte[]> ParameterSets { get; private init; } = [];

    /// <summary>RFC 6381 codecs string, <c>avc1.PPCCLL</c>.</summary>
    public string CodecsString => $"avc1.{Profile:X2}{Compatibility:X2}{Level:X2}";

    public static AvcDecoderConfiguration Parse(byte[]? codecPrivate)
    {
        if (codecPrivate is null || codecPrivate.Length == 0)
        {
            throw new MediaFormatException(MediaFormatError.MissingCodecPrivateData, "The H.264 track has no codec private data.");
        }

        var span = codecPrivate.AsSpan();
        if (span.Length < 7)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"AVC CPD must be at least 7 bytes, but was {span.Length}.");
        }

        if (span[0] != 1)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"AVC CPD configurationVersion must be 1, but was {span[0]}.");
        }

        var nalLengthSize = (span[4] & 0x3) + 1;
        if (nalLengthSize == 3)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "AVC CPD NAL length size must be 1, 2 or 4, but was 3.");
        }

        var offset = 5;
        var spsCount = span[offset++] & 0x1F;
        if (spsCount == 0)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "AVC CPD holds no SPS.");
        }

        H264SequenceParameterSet? first = null;
        var parameterSets = new List<byte[]>();
        for (var i = 0; i < spsCount; i++)
        {
            var nal = ReadParameterSet(span, ref offset, "SPS");
            first ??= H264SequenceParameterSet.Parse(nal);
            parameterSets.Add(nal.ToArray());
        }

        if (offset >= span.Length)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "AVC CPD ends before its PPS count.");
        }

        var ppsCount = span[offset++];
        if (ppsCount == 0)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "AVC CPD holds no PPS.");
        }

        for (var i = 0; i < ppsCount; i++)
        {
            parameterSets.Add(ReadParameterSet(span, ref offset, "PPS").ToArray());
        }

        return new AvcDecoderConfiguration(codecPrivate, span[1], span[2], span[3], nalLengthSize, first!) { ParameterSets = parameterSets };
    }

    private static ReadOnlySpan<byte> ReadParameterSet(ReadOnlySpan<byte> span, ref int offset, string kind)
    {
        if (offset + 2 > span.Length)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"AVC CPD ends inside the length of an {kind}.");
        }

        var length = (span[offset] << 8) | span[offset + 1];
        offset += 2;
        if (length == 0 || offset + length > span.Length)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"AVC CPD {kind} of {length} bytes runs past the record.");
        }

        var nal = span.Slice(offset, length);
        offset += length;
        return nal;
    }
}
