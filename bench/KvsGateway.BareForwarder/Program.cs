using System.Net;
using Yarp.ReverseProxy.Forwarder;

// A bare YARP forwarder: every request goes to --origin as it came, over one pooled HTTP/1.1 client,
// with YARP's default transforms. No tokens, no metering, no logging: what YARP alone costs, the floor
// the gateway is compared with in bench/load. It gets the gateway's runtime defaults (src/ServerRuntime.props,
// socket completions inline, Kestrel's inline scheduling), so the two differ only in what the gateway does;
// `--inline false` and DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 give .NET's own defaults.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.AddHttpForwarder();
builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = builder.Configuration.GetValue("inline", defaultValue: true));
var app = builder.Build();
var origin = app.Configuration["origin"] ?? throw new InvalidOperationException("--origin http://host:port is required.");
var invoker = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    UseCookies = false,
    ConnectTimeout = TimeSpan.FromSeconds(15),
});
var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
var config = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(30) };
app.Map("/{**path}", async (HttpContext context) => await forwarder.SendAsync(context, origin, invoker, config).ConfigureAwait(false));
app.Run();
