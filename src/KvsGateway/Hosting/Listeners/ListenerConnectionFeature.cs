namespace KvsGateway.Hosting.Listeners;

/// <summary>Set on each connection by the listener that accepted it; requests read it to know where they arrived.</summary>
public sealed class ListenerConnectionFeature
{
    public static readonly ListenerConnectionFeature Public = new(GatewayListener.Public);
    public static readonly ListenerConnectionFeature Management = new(GatewayListener.Management);

    private ListenerConnectionFeature(GatewayListener listener)
    {
        Listener = listener;
    }

    public GatewayListener Listener { get; }
}
