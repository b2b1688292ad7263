using Microsoft.Extensions.Options;

namespace KvsGateway.ControlPlane;

/// <summary>The gateway's public base URL: configured, or the scheme and host the caller used.</summary>
public sealed class GatewayBaseUrl
{
    private readonly IOptionsMonitor<GatewayOptions> _options;

    public GatewayBaseUrl(IOptionsMonitor<GatewayOptions> options)
    {
        _options = options;
    }

    public string For(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var configured = _options.CurrentValue.PublicBaseUrl;
        return string.IsNullOrEmpty(configured) ? $"{request.Scheme}://{request.Host}" : configured.TrimEnd('/');
    }
}
