namespace KvsGateway;

/// <summary>Section <c>Gateway</c>.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Base URL clients use to reach the gateway (behind a load balancer); empty uses the request's.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The tenants file, relative to the content root; reloaded when it changes.</summary>
    public string? TenantsFile { get; set; }

    /// <summary>Origins allowed to fetch playback resources from browsers; <c>*</c> as KVS does.</summary>
    public List<string> AllowedPlaybackOrigins { get; set; } = [];
}
