using KvsGateway.Caching;
using KvsGateway.Forwarding;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Http;
using KvsGateway.Kvs.Wire;
using KvsGateway.Manifests;
using KvsGateway.Metering;
using KvsGateway.Quotas;
using KvsGateway.Sessions;

namespace KvsGateway.Playback;

/// <summary>
/// <c>/dash/v1/…</c> and <c>/hls/v1/…</c>. A request goes through small steps, each in the folder of its concept:
/// Metering (count what the viewer receives, error bodies included) → KVS errors as responses →
/// Sessions (token to session of the path's protocol, warm cache) → Quotas (the tenant's rates and budget) → the endpoint,
/// one line: serve the manifest (Manifests) or forward the fragment (Forwarding).
/// </summary>
public static class PlaybackEndpoints
{
    public const string CorsPolicy = "playback";

    private static readonly string[] GetOrHead = ["GET", "HEAD"];

    public static IEndpointRouteBuilder MapPlayback(this IEndpointRouteBuilder endpoints)
    {
        var dash = Group(endpoints, "/dash/v1", PlaybackProtocol.Dash);

        dash.MapMethods("/getDASHManifest.mpd", GetOrHead, (HttpContext context, ManifestProxy manifests) => manifests.ServeAsync(SessionResolutionFilter.Of(context), context.Response, context.RequestAborted))
            .WithMetadata(new KvsOperationMetadata(KvsOperations.GetDashManifest));
        dash.MapMethods("/getMP4InitFragment.mp4", GetOrHead, (HttpContext context, FragmentForwarder forwarder) => forwarder.ForwardAsync(context, "getMP4InitFragment.mp4"))
            .WithMetadata(new KvsOperationMetadata(KvsOperations.GetMp4InitFragment));
        dash.MapMethods("/getMP4MediaFragment.mp4", GetOrHead, (HttpContext context, FragmentForwarder forwarder) => forwarder.ForwardAsync(context, "getMP4MediaFragment.mp4"))
            .WithMetadata(new KvsOperationMetadata(KvsOperations.GetMp4MediaFragment));

        var hls = Group(endpoints, "/hls/v1", PlaybackProtocol.Hls);
        hls.MapMethods("/getHLSMasterPlaylist.m3u8", GetOrHead, (HttpContext context, ManifestProxy playlists) => playlists.ServeAsync(SessionResolutionFilter.Of(context), ManifestResource.HlsMaster, context.Response, context.RequestAborted))
            .WithMetadata(new KvsOperationMetadata(KvsOperations.GetHlsMasterPlaylist));
        hls.MapMethods("/getHLSMediaPlaylist.m3u8", GetOrHead, (HttpContext context, ManifestProxy playlists) => playlists.ServeAsync(SessionResolutionFilter.Of(context), ManifestResource.HlsMedia(TrackNumber(context.Request.Query)), context.Response, context.RequestAborted))
            .WithMetadata(new KvsOperationMetadata(KvsOperations.GetHlsMediaPlaylist));
        hls.MapMethods("/getMP4InitFragment.mp4", GetOrHead, (HttpContext context, FragmentForwarder forwarder) => forwarder.ForwardAsync(context, FragmentResources.Init))
            .WithMetadata(new KvsOperationMetadata(KvsOperations.GetMp4InitFragment));
        hls.MapMethods("/getMP4MediaFragment.mp4", GetOrHead, (HttpContext context, FragmentForwarder forwarder) => forwarder.ForwardAsync(context, FragmentResources.Media))
            .WithMetadata(new KvsOperationMetadata(KvsOperations.GetMp4MediaFragment));
        hls.MapMethods("/getTSFragment.ts", GetOrHead, (HttpContext context, FragmentForwarder forwarder) => forwarder.ForwardAsync(context, FragmentResources.Ts))
            .WithMetadata(new KvsOperationMetadata(KvsOperations.GetTsFragment));

        // A clock for players of live streams (DASH UTCTiming, urn:mpeg:dash:utc:http-iso:2014), on
        // the gateway itself so no player depends on a time server on the internet.
        endpoints.MapGet("/time", (TimeProvider time) => Results.Text(time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), "text/plain"))
            .RequireCors(CorsPolicy);
        return endpoints;
    }

    private static RouteGroupBuilder Group(IEndpointRouteBuilder endpoints, string prefix, PlaybackProtocol protocol) =>
        endpoints.MapGroup(prefix).RequireCors(CorsPolicy)
            .WithMetadata(new PlaybackProtocolMetadata(protocol))
            .AddSharedEndpointFilter<PlaybackMeteringFilter>()
            .AddSharedEndpointFilter<KvsErrorFilter>()
            .AddSharedEndpointFilter<SessionResolutionFilter>()
            .AddSharedEndpointFilter<PlaybackQuotaFilter>();

    // A media playlist names its track, one digit (KVS sessions have one or two tracks): each track
    // is a shared playlist of its own, so what a caller types must not make more of them.
    private static int TrackNumber(IQueryCollection query) =>
        query["TrackNumber"] is { Count: 1 } value && value[0] is [var digit and >= '1' and <= '9']
            ? digit - '0'
            : throw KvsException.InvalidArgument("TrackNumber must be a track of the session, 1 to 9.");
}
