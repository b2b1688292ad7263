using KvsGateway.Forwarding;
using KvsGateway.Kvs.Errors;
using KvsGateway.Manifests;
using KvsGateway.Metering;
using KvsGateway.Quotas;
using KvsGateway.Sessions;

namespace KvsGateway.Playback;

/// <summary>
/// <c>/dash/v1/…</c>: each request is resolved to its session, served, and its delivered bytes
/// metered, error bodies included, so what is billed is what the client received.
/// </summary>
public static class PlaybackEndpoints
{
    public const string CorsPolicy = "playback";

    public static IEndpointRouteBuilder MapPlayback(this IEndpointRouteBuilder endpoints)
    {
        var dash = endpoints.MapGroup("/dash/v1").RequireCors(CorsPolicy);
        dash.MapMethods("/getDASHManifest.mpd", ["GET", "HEAD"], (HttpContext context, PlaybackSessionResolver resolver, TenantQuotas quotas, UsageMeter meter, ManifestProxy manifests) =>
            ServeAsync(context, resolver, quotas, meter, PlaybackApi.GetDashManifest, session =>
                manifests.ServeAsync(context, session, context.Request.Query["SessionToken"].ToString())));
        dash.MapMethods("/getMP4InitFragment.mp4", ["GET", "HEAD"], (HttpContext context, PlaybackSessionResolver resolver, TenantQuotas quotas, UsageMeter meter, FragmentForwarder forwarder) =>
            ServeAsync(context, resolver, quotas, meter, PlaybackApi.GetMp4InitFragment, session => forwarder.ForwardAsync(context, session, "getMP4InitFragment.mp4")));
        dash.MapMethods("/getMP4MediaFragment.mp4", ["GET", "HEAD"], (HttpContext context, PlaybackSessionResolver resolver, TenantQuotas quotas, UsageMeter meter, FragmentForwarder forwarder, ViewerRecorder viewers) =>
            ServeAsync(context, resolver, quotas, meter, PlaybackApi.GetMp4MediaFragment, session => forwarder.ForwardAsync(context, session, "getMP4MediaFragment.mp4"), viewers));
        // A clock for players of live streams (DASH UTCTiming, urn:mpeg:dash:utc:http-iso:2014), on
        // the gateway itself so no player depends on a time server on the internet.
        endpoints.MapGet("/time", (TimeProvider time) => Results.Text(time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), "text/plain"))
            .RequireCors(CorsPolicy);
        return endpoints;
    }

    private static async Task ServeAsync(HttpContext context, PlaybackSessionResolver resolver, TenantQuotas quotas, UsageMeter meter, string api, Func<PlaybackSession, Task> serve, ViewerRecorder? viewers = null)
    {
        var counter = CountingResponseBodyFeature.Install(context);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        PlaybackSession? session = null;
        try
        {
            (session, var tenant) = await resolver.ResolveAsync(context.Request).ConfigureAwait(false);
            await quotas.RequirePlaybackAsync(tenant, session, api, context).ConfigureAwait(false);
            await serve(session).ConfigureAwait(false);
        }
        catch (KvsException ex)
        {
            await KvsErrorResponder.WriteAsync(context, ex).ConfigureAwait(false);
        }
        finally
        {
            if (session is not null)
            {
                // A viewer that hung up may leave Kestrel completing writes into a dead connection without
                // raising RequestAborted: the counter sees those writes go nowhere. (Kestrel drops every
                // body write of a HEAD response; that is no abort.)
                var head = HttpMethods.IsHead(context.Request.Method);
                var aborted = context.RequestAborted.IsCancellationRequested || (counter.Dropped && !head);
                var success = context.Response.StatusCode < 400 && !aborted;
                var latency = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                var resolved = session;
                var viewer = context.Response.StatusCode < 400 ? viewers?.Prepare(context, session) : null;

                // May run after the request has ended: it uses nothing of the context.
                void Record(long delivered)
                {
                    meter.Record(resolved.Tenant, resolved.StreamName, resolved.SessionId, api, delivered, success, latency);
                    viewer?.Invoke(delivered);
                }

                // HTTP/1.1 serves one response at a time per connection, so the connection's byte
                // stream places this body exactly; over HTTP/2 streams share it: bill what was written.
                if (head)
                {
                    Record(0);
                }
                else if (context.Request.Protocol == "HTTP/1.1" && context.Features.Get<DeliveryTracker>() is { } tracker)
                {
                    tracker.Complete(counter, aborted, Record);
                }
                else
                {
                    Record(counter.BytesWritten);
                }
            }
        }
    }
}
