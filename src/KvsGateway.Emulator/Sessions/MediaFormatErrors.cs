using KvsGateway.Kvs.Errors;
using KvsGateway.Media.Codecs;

namespace KvsGateway.Emulator.Sessions;

/// <summary>Maps a media-format refusal to the KVS error of the same meaning.</summary>
public static class MediaFormatErrors
{
    public static KvsException ToKvs(MediaFormatException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var type = exception.Error switch
        {
            MediaFormatError.MissingCodecPrivateData => KvsErrorTypes.MissingCodecPrivateData,
            MediaFormatError.InvalidCodecPrivateData => KvsErrorTypes.InvalidCodecPrivateData,
            MediaFormatError.InvalidMediaFrame => KvsErrorTypes.InvalidMediaFrame,
            _ => KvsErrorTypes.UnsupportedStreamMediaType,
        };
        return new KvsException(type, 400, exception.Message);
    }
}
