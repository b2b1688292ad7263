namespace KvsGateway.Health;

/// <summary>Set once start-up work (the demo stream, when enabled) is done; <c>/healthz</c> waits for it.</summary>
public sealed class GatewayReadiness
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;
}
