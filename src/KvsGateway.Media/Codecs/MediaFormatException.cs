namespace KvsGateway.Media.Codecs;

/// <summary>A track cannot be packaged: unsupported codec, or missing or malformed codec private data.</summary>
public sealed class MediaFormatException : Exception
{
    public MediaFormatException(MediaFormatError error, string message)
        : base(message)
    {
        Error = error;
    }

    public MediaFormatException()
        : this(MediaFormatError.UnsupportedStreamMediaType, "Unsupported media format.")
    {
    }

    public MediaFormatException(string message)
        : this(MediaFormatError.UnsupportedStreamMediaType, message)
    {
    }

    public MediaFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MediaFormatError Error { get; }
}
