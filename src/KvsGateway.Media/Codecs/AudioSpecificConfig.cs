namespace KvsGateway.Media.Codecs;

/// <summary>An MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1), the CodecPrivate of an AAC track.</summary>
public sealed class AudioSpecificConfig
{
    private static readonly int[] SampleRates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

    private AudioSpecificConfig(byte[] bytes, int objectType, int sampleRate, int channels, int frameLength)
    {
        Bytes = bytes;
        ObjectType = objectType;
        SampleRate = sampleRate;
        Channels = channels;
        FrameLength = frameLength;
    }

    public byte[] Bytes { get; }

    public int ObjectType { get; }

    public int SampleRate { get; }

    public int Channels { get; }

    /// <summary>Samples per AAC frame: 1024, or 960 when the frame-length flag is set.</summary>
    public int FrameLength { get; }

    /// <summary>The 4-bit sampling frequency index (15: an explicit rate follows).</summary>
    public int SamplingFrequencyIndex { get; private init; }

    /// <summary>The 4-bit channel configuration as written (7 means 8 channels).</summary>
    public int ChannelConfiguration { get; private init; }

    public string CodecsString => $"mp4a.40.{ObjectType}";

    public static AudioSpecificConfig Parse(byte[]? codecPrivate)
    {
        if (codecPrivate is null || codecPrivate.Length == 0)
        {
            throw new MediaFormatException(MediaFormatError.MissingCodecPrivateData, "The AAC track has no codec private data.");
        }

        if (codecPrivate.Length is not (2 or 5))
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"AAC CPD must be of length 2 or 5, but was {codecPrivate.Length}.");
        }

        var r = new BitReader(codecPrivate);
        var objectType = (int)r.ReadBits(5);
        if (objectType == 31)
        {
            objectType = 32 + (int)r.ReadBits(6);
        }

        var index = (int)r.ReadBits(4);
        int sampleRate;
        if (index == 15)
        {
            sampleRate = (int)r.ReadBits(24);
        }
        else if (index < SampleRates.Length)
        {
            sampleRate = SampleRates[index];
        }
        else
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"AAC CPD sampling frequency index {index} is reserved.");
        }

        var channels = (int)r.ReadBits(4);
        if (objectType == 0 || sampleRate == 0)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, "AAC CPD names no audio object type or sample rate.");
        }

        if (channels is 0 or > 7)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"AAC CPD channel configuration {channels} is not supported.");
        }

        var frameLength = 1024;
        if (objectType is 1 or 2 or 3 or 4 or 6 or 7 && r.ReadBit() == 1)
        {
            frameLength = 960;
        }

        return new AudioSpecificConfig(codecPrivate, objectType, sampleRate, channels == 7 ? 8 : channels, frameLength)
        {
            SamplingFrequencyIndex = index,
            ChannelConfiguration = channels,
        };
    }

    /// <summary>The <c>esds</c> full-box payload (version and flags included) that carries this config.</summary>
    public byte[] ToEsdsPayload(uint trackId)
    {
        var decoderSpecific = Descriptor(0x05, Bytes);
        var decoderConfig = new List<byte> { 0x40, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        decoderConfig.AddRange(decoderSpecific);
        var es = new List<byte> { (byte)(trackId >> 8), (byte)trackId, 0 };
        es.AddRange(Descriptor(0x04, [.. decoderConfig]));
        es.AddRange(Descriptor(0x06, [0x02]));
        var payload = new List<byte> { 0, 0, 0, 0 };
        payload.AddRange(Descriptor(0x03, [.. es]));
        return [.. payload];
    }

    private static byte[] Descriptor(byte tag, byte[] body)
    {
        // Four-byte size field, as most muxers write it.
        var length = body.Length;
        var result = new byte[5 + length];
        result[0] = tag;
        result[1] = (byte)(0x80 | ((length >> 21) & 0x7F));
        result[2] = (byte)(0x80 | ((length >> 14) & 0x7F));
        result[3] = (byte)(0x80 | ((length >> 7) & 0x7F));
        result[4] = (byte)(length & 0x7F);
        body.CopyTo(result, 5);
        return result;
    }
}
