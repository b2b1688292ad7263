using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using KvsGateway.Delivery;

namespace KvsGateway.Hosting.Listeners;

/// <summary>
/// Binds Kestrel to the public <c>Urls</c> and to <c>Gateway:ManagementUrls</c>, marks each connection
/// with the listener that accepted it, and after start-up tells where each listener is bound (port 0
/// picks a free one). Public connections also track delivered bytes for metering.
/// </summary>
public sealed class GatewayListeners
{
    public const string DefaultPublicUrls = "http://127.0.0.1:8080";

    private readonly IReadOnlyList<BindingAddress> _publicUrls;
    private readonly IReadOnlyList<BindingAddress> _managementUrls;
    private readonly List<(ListenOptions Options, string Scheme)> _public = [];
    private readonly List<(ListenOptions Options, string Scheme)> _management = [];

    private GatewayListeners(IReadOnlyList<BindingAddress> publicUrls, IReadOnlyList<BindingAddress> managementUrls)
    {
        _publicUrls = publicUrls;
        _managementUrls = managementUrls;
    }

    /// <summary>Where the public listener is bound (known once the server has started).</summary>
    public IReadOnlyList<Uri> PublicAddresses => AddressesOf(_public);

    /// <summary>Where the management listener is bound; empty when <c>Gateway:ManagementUrls</c> is empty.</summary>
    public IReadOnlyList<Uri> ManagementAddresses => AddressesOf(_management);

    /// <summary>Reads <c>Urls</c> and <c>Gateway:ManagementUrls</c> (each <c>;</c>-separated); a malformed URL stops the start naming the setting.</summary>
    public static GatewayListeners FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var management = configuration[$"{GatewayOptions.SectionName}:{nameof(GatewayOptions.ManagementUrls)}"] ?? GatewayOptions.DefaultManagementUrls;
        return new GatewayListeners(
            Parse(configuration["urls"] is { Length: > 0 } urls ? urls : DefaultPublicUrls, "Urls"),
            Parse(management, $"{GatewayOptions.SectionName}:{nameof(GatewayOptions.ManagementUrls)}"));
    }

    public void Configure(KestrelServerOptions kestrel)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        foreach (var url in _publicUrls)
        {
            Listen(kestrel, url, _public, listen =>
            {
                listen.Use(next => connection =>
                {
                    connection.Features.Set(ListenerConnectionFeature.Public);
                    return next(connection);
                });

                // Each connection tracks what its viewer acknowledged, so playback is billed as delivered.
                listen.UseDeliveryTracking();
            });
        }

        foreach (var url in _managementUrls)
        {
            Listen(kestrel, url, _management, listen => listen.Use(next => connection =>
            {
                connection.Features.Set(ListenerConnectionFeature.Management);
                return next(connection);
            }));
        }
    }

    private static void Listen(KestrelServerOptions kestrel, BindingAddress url, List<(ListenOptions, string)> bound, Action<ListenOptions> configure)
    {
        void Setup(ListenOptions listen)
        {
            configure(listen);
            if (url.Scheme == "https")
            {
                listen.UseHttps();
            }

            bound.Add((listen, url.Scheme));
        }

        if (string.Equals(url.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(url.Port, Setup);
        }
        else if (url.Host is "*" or "+")
        {
            kestrel.ListenAnyIP(url.Port, Setup);
        }
        else
        {
            kestrel.Listen(IPAddress.Parse(url.Host.Trim('[', ']')), url.Port, Setup);
        }
    }

    private static List<BindingAddress> Parse(string urls, string setting)
    {
        var parsed = new List<BindingAddress>();
        foreach (var text in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(text);
            }
            catch (FormatException ex)
            {
                throw new InvalidOperationException($"{setting}: '{text}' is not a URL to listen on.", ex);
            }

            var host = address.Host.Trim('[', ']');
            if (address.Scheme is not ("http" or "https") || address.Port < 0 || address.PathBase.Length > 0
                || !(host is "*" or "+" || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(host, out _)))
            {
                throw new InvalidOperationException($"{setting}: '{text}' must be http(s)://<IP address, localhost or *>:<port>.");
            }

            parsed.Add(address);
        }

        return parsed;
    }

    private static List<Uri> AddressesOf(List<(ListenOptions Options, string Scheme)> listeners) =>
        [.. listeners.Select(l => l.Options.EndPoint is IPEndPoint ip
            ? new UriBuilder(l.Scheme, ip.Address.Equals(IPAddress.Any) ? "127.0.0.1" : ip.Address.Equals(IPAddress.IPv6Any) ? "::1" : ip.Address.ToString(), ip.Port).Uri
            : new Uri($"{l.Scheme}://localhost"))];
}
