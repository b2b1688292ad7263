using KvsGateway.Emulator.Clips;
using KvsGateway.Emulator.Dash;
using KvsGateway.Emulator.Hls;
using KvsGateway.Emulator.Ingest;
using KvsGateway.Emulator.Sessions;
using KvsGateway.Emulator.Storage;
using KvsGateway.Emulator.Streams;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Http;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace KvsGateway.Emulator.Hosting;

/// <summary>The KVS paths the emulator answers, exactly as AWS spells them.</summary>
public static class EmulatorEndpoints
{
    public static IEndpointRouteBuilder MapKvsEmulator(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/createStream", async (HttpContext context, StreamStore store) =>
        {
            var input = await KvsRequestReader.ReadAsync(context.Request, KvsJsonContext.Default.CreateStreamInput, context.RequestAborted).ConfigureAwait(false);
            var record = await store.CreateAsync(input, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(new CreateStreamOutput { StreamARN = record.StreamArn }, KvsJsonContext.Default.CreateStreamOutput);
        });

        endpoints.MapPost("/describeStream", async (HttpContext context, StreamStore store) =>
        {
            var input = await KvsRequestReader.ReadAsync(context.Request, KvsJsonContext.Default.DescribeStreamInput, context.RequestAborted).ConfigureAwait(false);
            var record = store.Get(StreamIdentity.Parse(input.StreamName, input.StreamARN));
            return Results.Json(new DescribeStreamOutput { StreamInfo = StreamListing.ToInfo(record) }, KvsJsonContext.Default.DescribeStreamOutput);
        });

        endpoints.MapPost("/deleteStream", async (HttpContext context, StreamStore store) =>
        {
            var input = await KvsRequestReader.ReadAsync(context.Request, KvsJsonContext.Default.DeleteStreamInput, context.RequestAborted).ConfigureAwait(false);
            if (input.StreamARN is null)
            {
                throw KvsException.InvalidArgument("StreamARN is required.");
            }

            await store.DeleteAsync(StreamIdentity.Parse(null, input.StreamARN), input.CurrentVersion, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(new EmptyOutput(), KvsJsonContext.Default.EmptyOutput);
        });

        endpoints.MapPost("/listStreams", async (HttpContext context, StreamStore store) =>
        {
            var input = await KvsRequestReader.ReadAsync(context.Request, KvsJsonContext.Default.ListStreamsInput, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(StreamListing.List(store, input), KvsJsonContext.Default.ListStreamsOutput);
        });

        endpoints.MapPost("/updateDataRetention", async (HttpContext context, StreamStore store) =>
        {
            var input = await KvsRequestReader.ReadAsync(context.Request, KvsJsonContext.Default.UpdateDataRetentionInput, context.RequestAborted).ConfigureAwait(false);
            await store.UpdateRetentionAsync(StreamIdentity.Parse(input.StreamName, input.StreamARN), input.CurrentVersion, input.Operation, input.DataRetentionChangeInHours, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(new EmptyOutput(), KvsJsonContext.Default.EmptyOutput);
        });

        endpoints.MapPost("/getDataEndpoint", async (HttpContext context, StreamStore store, IOptions<EmulatorOptions> options) =>
        {
            var input = await KvsRequestReader.ReadAsync(context.Request, KvsJsonContext.Default.GetDataEndpointInput, context.RequestAborted).ConfigureAwait(false);
            if (input.APIName is null || !ApiNames.All.Contains(input.APIName))
            {
                throw KvsValidation.ConstraintViolation(input.APIName, "aPIName", $"Member must satisfy enum value set: [{string.Join(", ", ApiNames.All)}]");
            }

            store.Get(StreamIdentity.Parse(input.StreamName, input.StreamARN));
            var endpoint = string.IsNullOrEmpty(options.Value.DataEndpoint)
                ? $"{context.Request.Scheme}://{context.Request.Host}"
                : options.Value.DataEndpoint.TrimEnd('/');
            return Results.Json(new GetDataEndpointOutput { DataEndpoint = endpoint }, KvsJsonContext.Default.GetDataEndpointOutput);
        });

        endpoints.MapPost("/listFragments", async (HttpContext context, StreamStore store, PlaybackQuotas quotas) =>
        {
            var input = await KvsRequestReader.ReadAsync(context.Request, KvsJsonContext.Default.ListFragmentsInput, context.RequestAborted).ConfigureAwait(false);
            var output = ListFragmentsHandler.List(store, input);

            // A call costs its MaxResults in metadata points, however many it returns (kvs-hls-clip-api.md §8).
            quotas.StreamPoints(store.Get(StreamIdentity.Parse(input.StreamName, input.StreamARN)).StreamName, (int)(input.MaxResults ?? ListFragmentsRequestValidator.DefaultMaxResults), 0);
            return Results.Json(output, KvsJsonContext.Default.ListFragmentsOutput);
        });

        endpoints.MapPost("/putMedia", (HttpContext context, PutMediaHandler handler) => handler.HandleAsync(context));

        endpoints.MapPost("/getDASHStreamingSessionURL", async (HttpContext context, SessionFactory factory) =>
        {
            var input = await KvsRequestReader.ReadAsync(context.Request, KvsJsonContext.Default.GetDashStreamingSessionUrlInput, context.RequestAborted).ConfigureAwait(false);
            var session = await factory.CreateAsync(input, context.RequestAborted).ConfigureAwait(false);
            var url = $"{context.Request.Scheme}://{context.Request.Host}/dash/v1/getDASHManifest.mpd?SessionToken={Uri.EscapeDataString(session.Token)}";
            return Results.Json(new GetDashStreamingSessionUrlOutput { DashStreamingSessionUrl = url }, KvsJsonContext.Default.GetDashStreamingSessionUrlOutput);
        });

        endpoints.MapPost("/getHLSStreamingSessionURL", async (HttpContext context, SessionFactory factory) =>
        {
            var input = await KvsRequestReader.ReadAsync(context.Request, KvsJsonContext.Default.GetHlsStreamingSessionUrlInput, context.RequestAborted).ConfigureAwait(false);
            var session = await factory.CreateAsync(input, context.RequestAborted).ConfigureAwait(false);
            var url = $"{context.Request.Scheme}://{context.Request.Host}/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken={Uri.EscapeDataString(session.Token)}";
            return Results.Json(new GetHlsStreamingSessionUrlOutput { HlsStreamingSessionUrl = url }, KvsJsonContext.Default.GetHlsStreamingSessionUrlOutput);
        });

        endpoints.MapPost("/getClip", (HttpContext context, ClipHandler handler) => handler.HandleAsync(context));

        var hls = endpoints.MapGroup("/hls/v1").RequireCors(EmulatorApplication.PlaybackCorsPolicy);
        hls.MapMethods("/getHLSMasterPlaylist.m3u8", ["GET", "HEAD"], (HttpContext context, HlsHandlers handlers) => handlers.GetMasterPlaylistAsync(context));
        hls.MapMethods("/getHLSMediaPlaylist.m3u8", ["GET", "HEAD"], (HttpContext context, HlsHandlers handlers) => handlers.GetMediaPlaylistAsync(context));
        hls.MapMethods("/getMP4InitFragment.mp4", ["GET", "HEAD"], (HttpContext context, HlsHandlers handlers) => handlers.GetInitFragmentAsync(context));
        hls.MapMethods("/getMP4MediaFragment.mp4", ["GET", "HEAD"], (HttpContext context, HlsHandlers handlers) => handlers.GetMediaFragmentAsync(context));
        hls.MapMethods("/getTSFragment.ts", ["GET", "HEAD"], (HttpContext context, HlsHandlers handlers) => handlers.GetTsFragmentAsync(context));

        var dash = endpoints.MapGroup("/dash/v1").RequireCors(EmulatorApplication.PlaybackCorsPolicy);
        dash.MapMethods("/getDASHManifest.mpd", ["GET", "HEAD"], (HttpContext context, DashHandlers handlers) => handlers.GetManifestAsync(context));
        dash.MapMethods("/getMP4InitFragment.mp4", ["GET", "HEAD"], (HttpContext context, DashHandlers handlers) => handlers.GetInitFragmentAsync(context));
        dash.MapMethods("/getMP4MediaFragment.mp4", ["GET", "HEAD"], (HttpContext context, DashHandlers handlers) => handlers.GetMediaFragmentAsync(context));
        return endpoints;
    }
}
