using KvsGateway.ControlPlane;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.Metering;
using KvsGateway.Sessions;
using KvsGateway.Tenancy;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace KvsGateway.Demo;

/// <summary>
/// The demo page at <c>/</c> and the small API behind it, mapped only when the demo is enabled
/// (Development): it opens sessions for the demo tenant without a signature, which is exactly
/// what a production gateway must never do.
/// </summary>
public static class DemoEndpoints
{
    // An hour of 1 s fragments is 3,600: four pages of ListFragments' largest.
    private const int MaxTimelinePages = 4;

    public static WebApplication UseDemo(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var page = Path.Combine(AppContext.BaseDirectory, "demo");
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(page), RequestPath = "/demo" });
        app.MapGet("/", () => Results.File(Path.Combine(page, "index.html"), "text/html; charset=utf-8"));
        MapApi(app);
        return app;
    }

    private static void MapApi(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/demo/api");
        api.MapGet("/streams", async (KvsClient origin, TenantDirectory tenants, IOptions<DemoOptions> demo, CancellationToken cancellationToken) =>
        {
            var tenant = DemoTenant(tenants, demo.Value);
            var names = new List<string>();
            string? next = null;
            do
            {
                var page = await origin.ListStreamsAsync(new ListStreamsInput { NextToken = next }, cancellationToken);
                names.AddRange(page.StreamInfoList.Where(s => s.StreamName is not null && tenant.MayAccess(s.StreamName, s.StreamARN)).Select(s => s.StreamName!));
                next = page.NextToken;
            }
            while (next is not null);

            return TypedResults.Json<IReadOnlyList<string>>([.. names.Order(StringComparer.Ordinal)], DemoJsonContext.Default.IReadOnlyListString);
        });

        api.MapPost("/sessions", async (HttpContext context, SessionUrlIssuer issuer, TenantDirectory tenants, IOptions<DemoOptions> demo, GatewayBaseUrl baseUrl) =>
        {
            var request = await context.Request.ReadFromJsonAsync(DemoJsonContext.Default.DemoSessionRequest, context.RequestAborted)
                ?? throw KvsException.InvalidArgument("A JSON body is required.");
            var replay = request.StartTimestamp is not null;
            var selector = replay
                ? new FragmentSelector { FragmentSelectorType = "SERVER_TIMESTAMP", TimestampRange = new TimestampRange { StartTimestamp = request.StartTimestamp, EndTimestamp = request.EndTimestamp } }
                : null;
            var tenant = DemoTenant(tenants, demo.Value);
            var requestId = KvsErrorResponder.GetRequestId(context);
            if (request.Protocol == "HLS")
            {
                var hls = new GetHlsStreamingSessionUrlInput
                {
                    StreamName = request.StreamName,
                    PlaybackMode = request.PlaybackMode ?? "LIVE",
                    DisplayFragmentTimestamp = WireValues.Always,
                    Expires = 3600,
                    HlsFragmentSelector = selector,
                };
                var (hlsToken, hlsSession) = await issuer.IssueAsync(tenant, hls, requestId, context.RequestAborted);
                var master = $"{baseUrl.For(context.Request)}/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken={hlsToken}";
                return TypedResults.Json(new DemoSession(master, hlsSession.SessionId, hlsSession.ExpiresAt, "HLS"), DemoJsonContext.Default.DemoSession);
            }

            var input = new GetDashStreamingSessionUrlInput
            {
                StreamName = request.StreamName,
                PlaybackMode = request.PlaybackMode ?? "LIVE",
                DisplayFragmentTimestamp = WireValues.Always,
                DisplayFragmentNumber = WireValues.Always,
                Expires = 3600,
                DashFragmentSelector = selector,
            };
            var (token, session) = await issuer.IssueAsync(tenant, input, requestId, context.RequestAborted);
            var url = $"{baseUrl.For(context.Request)}/dash/v1/getDASHManifest.mpd?SessionToken={token}";
            return TypedResults.Json(new DemoSession(url, session.SessionId, session.ExpiresAt, "DASH"), DemoJsonContext.Default.DemoSession);
        });

        // The timeline scrubber: the stream's fragments of the last hour, from ListFragments, in time order.
        api.MapGet("/fragments", async (HttpContext context, KvsClient origin, TenantDirectory tenants, IOptions<DemoOptions> demo, TimeProvider time) =>
        {
            var stream = StreamIdentity.Parse(context.Request.Query["streamName"].ToString(), null);
            StreamScope.Require(DemoTenant(tenants, demo.Value), stream);
            var now = time.GetUtcNow();
            var selector = new FragmentSelector { FragmentSelectorType = "SERVER_TIMESTAMP", TimestampRange = new TimestampRange { StartTimestamp = now.AddHours(-1), EndTimestamp = now } };
            var fragments = new List<DemoTimelineFragment>();
            string? next = null;
            for (var page = 0; page < MaxTimelinePages; page++)
            {
                var listed = await origin.ListFragmentsAsync(new ListFragmentsInput { StreamName = stream.Name, MaxResults = 1000, NextToken = next, FragmentSelector = selector }, context.RequestAborted);
                fragments.AddRange(listed.Fragments.Where(f => f.FragmentNumber is not null).Select(f => new DemoTimelineFragment(f.ServerTimestamp, f.FragmentLengthInMilliseconds, f.FragmentNumber!)));
                next = listed.NextToken;
                if (next is null)
                {
                    break;
                }
            }

            return TypedResults.Json<IReadOnlyList<DemoTimelineFragment>>([.. fragments.OrderBy(f => f.ServerTimestamp)], DemoJsonContext.Default.IReadOnlyListDemoTimelineFragment);
        });

        api.MapGet("/usage", async (HttpContext context, PlaybackSessionResolver resolver, IConnectionMultiplexer redis) =>
        {
            var session = (await resolver.ResolveAsync(context.Request.Query["SessionToken"].ToString())).Session;
            long bytes = 0;
            long requests = 0;
            foreach (var entry in await redis.GetDatabase().HashGetAllAsync(UsageKeys.SessionUsage(session.Tenant, session.SessionId)))
            {
                var name = entry.Name.ToString();
                if (name.EndsWith(".OutgoingBytes", StringComparison.Ordinal))
                {
                    bytes += (long)entry.Value;
                }
                else if (name.EndsWith(".Requests", StringComparison.Ordinal))
                {
                    requests += (long)entry.Value;
                }
            }

            return TypedResults.Json(new DemoUsage(bytes, requests), DemoJsonContext.Default.DemoUsage);
        });
    }

    private static Tenant DemoTenant(TenantDirectory tenants, DemoOptions demo) =>
        tenants.FindByName(demo.Tenant) ?? throw KvsException.ResourceNotFound($"The demo tenant {demo.Tenant} is not configured.");
}
