using System.Diagnostics;
using System.Globalization;
using KvsGateway.Delivery;
using KvsGateway.Kvs.Http;
using KvsGateway.Kvs.Wire;
using KvsGateway.Sessions;
using KvsGateway.Tokens;

namespace KvsGateway.Metering;

/// <summary>
/// The outermost playback step: counts what the viewer received of the response (error bodies
/// included), its request, success and latency, per tenant, stream, session and KVS operation; a
/// media fragment also makes a viewer record when those are on. A refusal of an authentic token whose
/// session could not be resolved is billed to the tenant and stream the token names; requests with any
/// other token are billed to no one. The bytes come from <see cref="ResponseDelivery"/>, so metering
/// never knows where they came from (the origin, a cache).
/// </summary>
public sealed class PlaybackMeteringFilter : IEndpointFilter
{
    private readonly UsageMeter _meter;
    private readonly ViewerRecorder _viewers;
    private readonly TimeProvider _time;

    public PlaybackMeteringFilter(UsageMeter meter, ViewerRecorder viewers, TimeProvider time)
    {
        _meter = meter;
        _viewers = viewers;
        _time = time;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var delivery = ResponseDelivery.Begin(http);
        var started = Stopwatch.GetTimestamp();
        var failed = true;
        try
        {
            var result = await next(context).ConfigureAwait(false);
            failed = false;
            return result;
        }
        finally
        {
            if (http.Features.Get<ResolvedSession>() is { Session: var session })
            {
                Complete(http, delivery, session.Tenant, session.StreamName, session.SessionId, session, failed, Stopwatch.GetElapsedTime(started));
            }
            else if (http.Features.Get<SessionTokenClaims>() is { Stream: { } stream } claims)
            {
                // A refusal of an authentic token whose session could not be resolved.
                Complete(http, delivery, claims.Tenant, stream, claims.SessionId, null, failed: true, Stopwatch.GetElapsedTime(started));
            }
        }
    }

    private void Complete(HttpContext http, ResponseDelivery delivery, string tenant, string stream, string sessionId, PlaybackSession? session, bool failed, TimeSpan latency)
    {
        var api = http.GetEndpoint()?.Metadata.GetMetadata<KvsOperationMetadata>()?.Name ?? KvsOperations.GetMp4MediaFragment;
        var aborted = delivery.Aborted(http);
        var success = !failed && http.Response.StatusCode < 400 && !aborted;
        var (track, sequence, number) = success && session is not null && _viewers.Enabled && api is KvsOperations.GetMp4MediaFragment or KvsOperations.GetTsFragment
            ? Fragment(http.Request.Query, session.Protocol)
            : (-1, -1, null);
        var time = _time.GetUtcNow();

        // May run after the request has ended: it uses nothing of the request.
        delivery.Complete(http, aborted, delivered =>
        {
            _meter.Record(tenant, stream, sessionId, api, delivered, success, latency);
            if (track >= 0)
            {
                _viewers.Record(session!, track, sequence, number, delivered, time);
            }
        });
    }

    // DASH names a segment by track and sequence number (its fragment number comes from the manifest);
    // HLS names the KVS fragment number itself, which the forwarder has checked is decimal.
    private static (int Track, long Sequence, string? FragmentNumber) Fragment(IQueryCollection query, PlaybackProtocol protocol) => (
        int.TryParse(query["TrackNumber"], NumberStyles.None, CultureInfo.InvariantCulture, out var track) ? track : 0,
        long.TryParse(query["SequenceNumber"], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) ? sequence : 0,
        protocol == PlaybackProtocol.Hls ? query["FragmentNumber"].ToString() : null);
}
