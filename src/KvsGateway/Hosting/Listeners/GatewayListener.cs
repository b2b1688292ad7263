namespace KvsGateway.Hosting.Listeners;

/// <summary>The gateway's two listeners: the public one (KVS API, playback) and the operators' one.</summary>
[Flags]
public enum GatewayListener
{
    /// <summary><c>Urls</c>: the KVS API, playback, <c>/healthz</c>, <c>/time</c> and (Development) the demo page.</summary>
    Public = 1,

    /// <summary><c>Gateway:ManagementUrls</c>: <c>/metrics</c>, <c>/readyz</c>, the admin API and usage export.</summary>
    Management = 2,
}
