namespace KvsGateway.OriginConnections;

/// <summary>The origin answered with bytes that are not HTTP/1.1 this gateway can frame.</summary>
public sealed class OriginProtocolException : IOException
{
    public OriginProtocolException(string message)
        : base(message)
    {
    }

    public OriginProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OriginProtocolException()
    {
    }
}
