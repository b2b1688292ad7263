namespace KvsGateway.OriginConnections;

/// <summary>Where a plain-HTTP origin listens: connections are pooled per endpoint.</summary>
public readonly record struct OriginEndpoint(string Host, int Port)
{
    public static OriginEndpoint Of(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return new OriginEndpoint(url.IdnHost, url.Port);
    }
}
