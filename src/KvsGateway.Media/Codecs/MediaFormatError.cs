namespace KvsGateway.Media.Codecs;

/// <summary>The ways KVS refuses media for packaging: a track layout, its codec private data, or a frame.</summary>
public enum MediaFormatError
{
    UnsupportedStreamMediaType,
    MissingCodecPrivateData,
    InvalidCodecPrivateData,
    InvalidMediaFrame,
}
