namespace KvsGateway.Media.Codecs;

/// <summary>The three ways KVS refuses a track layout for DASH packaging.</summary>
public enum MediaFormatError
{
    UnsupportedStreamMediaType,
    MissingCodecPrivateData,
    InvalidCodecPrivateData,
}
