using KvsGateway.Media.Codecs;

namespace KvsGateway.Media.MpegTs;

/// <summary>An elementary stream of a TS chunk, with what its access units need to become self-contained.</summary>
public sealed class TsTrack
{
    private TsTrack(TsCodec codec, AvcDecoderConfiguration? avc, AudioSpecificConfig? aac)
    {
        Codec = codec;
        Avc = avc;
        Aac = aac;
    }

    public TsCodec Codec { get; }

    /// <summary>For H.264: the NAL length size and the parameter sets written before each key frame.</summary>
    public AvcDecoderConfiguration? Avc { get; }

    /// <summary>For AAC: what each ADTS header states.</summary>
    public AudioSpecificConfig? Aac { get; }

    public static TsTrack H264(AvcDecoderConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new TsTrack(TsCodec.H264, configuration, null);
    }

    public static TsTrack AacAudio(AudioSpecificConfig configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.SamplingFrequencyIndex > 12)
        {
            throw new MediaFormatException(MediaFormatError.UnsupportedStreamMediaType, $"AAC at {configuration.SampleRate} Hz has no ADTS sampling frequency index, so it cannot be carried in MPEG-TS.");
        }

        return new TsTrack(TsCodec.Aac, null, configuration);
    }
}
