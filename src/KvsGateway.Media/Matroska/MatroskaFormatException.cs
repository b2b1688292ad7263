namespace KvsGateway.Media.Matroska;

/// <summary>The input is not Matroska as a KVS producer may send it, or breaks a size limit.</summary>
public sealed class MatroskaFormatException : Exception
{
    public MatroskaFormatException(MatroskaError error, string message)
        : base(message)
    {
        Error = error;
    }

    public MatroskaFormatException()
        : this(MatroskaError.Malformed, "Invalid Matroska input.")
    {
    }

    public MatroskaFormatException(string message)
        : this(MatroskaError.Malformed, message)
    {
    }

    public MatroskaFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = MatroskaError.Malformed;
    }

    public MatroskaError Error { get; }
}
