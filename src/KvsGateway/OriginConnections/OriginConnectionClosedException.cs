namespace KvsGateway.OriginConnections;

/// <summary>The origin closed a connection before answering on it: on a reused connection, the request can be sent again on a new one.</summary>
public sealed class OriginConnectionClosedException : IOException
{
    public OriginConnectionClosedException()
        : base("The origin closed the connection before answering.")
    {
    }

    public OriginConnectionClosedException(string message)
        : base(message)
    {
    }

    public OriginConnectionClosedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
