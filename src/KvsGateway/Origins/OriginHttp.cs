using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace KvsGateway.Origins;

/// <summary>
/// The one connection pool to the origin, shared by the KVS client, manifest fetches and YARP
/// forwarding. No redirects, cookies or decompression: bytes pass through as the origin sent them.
/// </summary>
public sealed class OriginHttp : IDisposable
{
    public OriginHttp()
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(15),
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        };
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
        Client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>For <see cref="IHttpForwarder"/>.</summary>
    public HttpMessageInvoker Invoker { get; }

    /// <summary>For JSON calls and manifest fetches, over the same pool.</summary>
    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        Invoker.Dispose();
    }
}
