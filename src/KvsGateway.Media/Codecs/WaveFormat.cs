using System.Buffers.Binary;

namespace KvsGateway.Media.Codecs;

/// <summary>The WAVEFORMATEX of an <c>A_MS/ACM</c> track; KVS plays G.711 A-law (tag 6) and µ-law (tag 7).</summary>
public sealed class WaveFormat
{
    public const int ALaw = 6;
    public const int MuLaw = 7;

    private WaveFormat(int formatTag, int channels, int sampleRate, int blockAlign, int bitsPerSample)
    {
        FormatTag = formatTag;
        Channels = channels;
        SampleRate = sampleRate;
        BlockAlign = blockAlign;
        BitsPerSample = bitsPerSample;
    }

    public int FormatTag { get; }

    public int Channels { get; }

    public int SampleRate { get; }

    /// <summary>Bytes per sample frame (all channels).</summary>
    public int BlockAlign { get; }

    public int BitsPerSample { get; }

    public static WaveFormat Parse(byte[]? codecPrivate)
    {
        if (codecPrivate is null || codecPrivate.Length == 0)
        {
            throw new MediaFormatException(MediaFormatError.MissingCodecPrivateData, "The A_MS/ACM track has no codec private data.");
        }

        if (codecPrivate.Length < 18)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"A_MS/ACM CPD must be an 18-byte WAVEFORMATEX, but was {codecPrivate.Length} bytes.");
        }

        var span = codecPrivate.AsSpan();
        var tag = BinaryPrimitives.ReadUInt16LittleEndian(span);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(span[2..]);
        var rate = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        var blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(span[12..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(span[14..]);
        if (tag is not (ALaw or MuLaw))
        {
            throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"A_MS/ACM format tag {tag} is not G.711 (6 = A-law, 7 = µ-law).");
        }

        if (channels is 0 or > 8 || rate is 0 or > 192_000 || blockAlign != channels || bits != 8)
        {
            throw new MediaFormatException(MediaFormatError.InvalidCodecPrivateData, $"G.711 WAVEFORMATEX is inconsistent: {channels} channels, {rate} Hz, block align {blockAlign}, {bits} bits.");
        }

        return new WaveFormat(tag, channels, (int)rate, blockAlign, bits);
    }
}
