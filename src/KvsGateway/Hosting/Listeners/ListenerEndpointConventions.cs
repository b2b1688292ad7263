namespace KvsGateway.Hosting.Listeners;

/// <summary>Puts an endpoint (or a group) on the management listener, or on both.</summary>
public static class ListenerEndpointConventions
{
    /// <summary>Answers only on the management listener.</summary>
    public static TBuilder OnManagementListener<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ListenerMetadata(GatewayListener.Management));

    /// <summary>Answers on both listeners (liveness, which probes may ask on either port).</summary>
    public static TBuilder OnEveryListener<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ListenerMetadata(GatewayListener.Public | GatewayListener.Management));
}
