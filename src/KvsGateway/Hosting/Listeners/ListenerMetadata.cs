namespace KvsGateway.Hosting.Listeners;

/// <summary>Endpoint metadata: the listeners an endpoint answers on. An endpoint without it is public only.</summary>
public sealed class ListenerMetadata
{
    public ListenerMetadata(GatewayListener listeners)
    {
        Listeners = listeners;
    }

    public GatewayListener Listeners { get; }
}
