using KvsGateway.Kvs.Errors;
using KvsGateway.Origins;
using KvsGateway.Sessions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace KvsGateway.Forwarding;

/// <summary>
/// Forwards init and media fragment requests to the origin with YARP: streamed without buffering,
/// cut when the origin goes idle, and stopped at once when the client goes away.
/// </summary>
public sealed partial class FragmentForwarder
{
    private readonly IHttpForwarder _forwarder;
    private readonly OriginHttp _http;
    private readonly IOptionsMonitor<OriginOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FragmentForwarder> _logger;

    public FragmentForwarder(IHttpForwarder forwarder, OriginHttp http, IOptionsMonitor<OriginOptions> options, TimeProvider time, ILogger<FragmentForwarder> logger)
    {
        _forwarder = forwarder;
        _http = http;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Forwards the request's fragment of its resolved session (YARP works on the request itself).</summary>
    public async Task ForwardAsync(HttpContext context, string fileName)
    {
        ArgumentNullException.ThrowIfNull(context);
        var session = SessionResolutionFilter.Of(context).Session;
        var originUrl = OriginUrls.ForFragment(session.OriginSessionUrl, fileName, context.Request.Query);
        var config = new ForwarderRequestConfig { ActivityTimeout = _options.CurrentValue.ActivityTimeout };
        var transformer = new OriginFragmentTransformer(originUrl, session.ExpiresAt - _time.GetUtcNow());
        var error = await _forwarder.SendAsync(context, originUrl.GetLeftPart(UriPartial.Authority), _http.Invoker, config, transformer).ConfigureAwait(false);
        if (error == ForwarderError.None)
        {
            return;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        LogForwardFailed(_logger, exception, error, session.SessionId);
        if (error is ForwarderError.RequestCanceled or ForwarderError.ResponseBodyCanceled)
        {
            return;
        }

        if (!context.Response.HasStarted)
        {
            throw error is ForwarderError.RequestTimedOut
                ? new KvsException(KvsErrorTypes.ServiceUnavailable, 504, "The origin did not send the fragment in time.")
                : new KvsException(KvsErrorTypes.ServiceUnavailable, 502, "The fragment could not be fetched from the origin.");
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Forwarding failed with {Error} for session {SessionId}")]
    private static partial void LogForwardFailed(ILogger logger, Exception? exception, ForwarderError error, string sessionId);
}
