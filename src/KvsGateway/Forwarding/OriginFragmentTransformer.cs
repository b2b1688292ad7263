using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using Yarp.ReverseProxy.Forwarder;

namespace KvsGateway.Forwarding;

/// <summary>
/// Points the proxied request at the origin fragment URL and cleans what comes back: an origin error
/// becomes the same KVS error under the gateway's request id; origin identity headers never reach
/// the client; fragments may be cached privately for the rest of the session's life.
/// </summary>
internal sealed class OriginFragmentTransformer : HttpTransformer
{
    private static readonly string[] RequestHeadersToDrop = ["Cookie", "Authorization", "Origin", "Referer"];
    private static readonly string[] ResponseHeadersToDrop = ["Server", "x-amzn-RequestId", "x-amz-RequestId", "x-amz-id-2", "Set-Cookie", "Via"];

    private readonly Uri _originUrl;
    private readonly TimeSpan _remainingLife;

    public OriginFragmentTransformer(Uri originUrl, TimeSpan remainingLife)
    {
        _originUrl = originUrl;
        _remainingLife = remainingLife;
    }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        foreach (var header in RequestHeadersToDrop)
        {
            proxyRequest.Headers.Remove(header);
        }

        proxyRequest.Headers.Host = null;
        proxyRequest.RequestUri = _originUrl;
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null)
        {
            return false;
        }

        // A KVS error (or any origin failure) is re-issued as a KVS error under our request id;
        // plain HTTP answers such as 416 for an unsatisfiable range pass through as they are.
        var status = (int)proxyResponse.StatusCode;
        if ((status >= 400 && proxyResponse.Headers.Contains("x-amzn-ErrorType")) || status >= 500)
        {
            var error = await KvsClient.ReadErrorAsync(proxyResponse, cancellationToken).ConfigureAwait(false);
            await KvsErrorResponder.WriteAsync(httpContext, error).ConfigureAwait(false);
            return false;
        }

        await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        var headers = httpContext.Response.Headers;
        foreach (var header in ResponseHeadersToDrop)
        {
            headers.Remove(header);
        }

        foreach (var name in headers.Keys.Where(k => k.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            headers.Remove(name);
        }

        headers.CacheControl = $"private, max-age={Math.Max(0, (long)_remainingLife.TotalSeconds)}";
        return true;
    }
}
