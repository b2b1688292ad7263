using System.Net;

namespace KvsGateway.Origins;

/// <summary>
/// The one connection pool to the origin, shared by the KVS client, manifest fetches and fragment
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

            // Below the 60 s after which load balancers in front of origins (AWS's included) close an
            // idle connection, so one is not reused as the far end closes it; and an origin fault's
            // connections are all gone within seconds of the pool going quiet.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(20),
            ConnectTimeout = TimeSpan.FromSeconds(15),
            // No trace headers toward the origin (KVS does not read them), and so no diagnostics
            // handler wrapping every fragment request.
            ActivityHeadersPropagator = null,
        };
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
        Client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>For fragment requests, streamed by the forwarder.</summary>
    public HttpMessageInvoker Invoker { get; }

    /// <summary>For JSON calls and manifest fetches, over the same pool.</summary>
    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        Invoker.Dispose();
    }
}
