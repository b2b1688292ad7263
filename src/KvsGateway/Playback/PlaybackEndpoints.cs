using KvsGateway.Forwarding;
using KvsGateway.Kvs.Http;
using KvsGateway.Kvs.Wire;
using KvsGateway.Manifests;
using KvsGateway.Metering;
using KvsGateway.Quotas;
using KvsGateway.Sessions;

namespace KvsGateway.Playback;

/// <summary>
/// <c>/dash/v1/…</c>. A request goes through small steps, each in the folder of its concept:
/// Metering (count what the viewer receives, error bodies included) → KVS errors as responses →
/// Sessions (token to session, warm cache) → Quotas (the tenant's rates and budget) → the endpoint,
/// one line: serve the manifest (Manifests) or forward the fragment (Forwarding).
/// </summary>
public static class PlaybackEndpoints
{
    public const string CorsPolicy = "playback";

    private static readonly string[] GetOrHead = ["GET", "HEAD"];

    public static IEndpointRouteBuilder MapPlayback(this IEndpointRouteBuilder endpoints)
    {
        var dash = endpoints.MapGroup("/dash/v1").RequireCors(CorsPolicy)
            .AddEndpointFilter<PlaybackMeteringFilter>()
            .AddEndpointFilter<KvsErrorFilter>()
            .AddEndpointFilter<SessionResolutionFilter>()
            .AddEndpointFilter<PlaybackQuotaFilter>();

        dash.MapMethods("/getDASHManifest.mpd", GetOrHead, (HttpContext context, ManifestProxy manifests) => manifests.ServeAsync(SessionResolutionFilter.Of(context), context.Response, context.RequestAborted))
            .WithMetadata(new KvsOperationMetadata(KvsOperations.GetDashManifest));
        dash.MapMethods("/getMP4InitFragment.mp4", GetOrHead, (HttpContext context, FragmentForwarder forwarder) => forwarder.ForwardAsync(context, "getMP4InitFragment.mp4"))
            .WithMetadata(new KvsOperationMetadata(KvsOperations.GetMp4InitFragment));
        dash.MapMethods("/getMP4MediaFragment.mp4", GetOrHead, (HttpContext context, FragmentForwarder forwarder) => forwarder.ForwardAsync(context, "getMP4MediaFragment.mp4"))
            .WithMetadata(new KvsOperationMetadata(KvsOperations.GetMp4MediaFragment));

        // A clock for players of live streams (DASH UTCTiming, urn:mpeg:dash:utc:http-iso:2014), on
        // the gateway itself so no player depends on a time server on the internet.
        endpoints.MapGet("/time", (TimeProvider time) => Results.Text(time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), "text/plain"))
            .RequireCors(CorsPolicy);
        return endpoints;
    }
}
