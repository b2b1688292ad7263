using Microsoft.AspNetCore.Http.Features;
using KvsGateway.Authentication;
using KvsGateway.Forwarding;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Http;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.Metering;
using KvsGateway.Quotas;
using KvsGateway.Tenancy;

namespace KvsGateway.ControlPlane;

/// <summary>
/// The signed KVS API calls the gateway answers: GetDataEndpoint, GetDASHStreamingSessionURL,
/// GetHLSStreamingSessionURL, GetClip and ListFragments.
/// Each runs as steps: authenticate the caller (Authentication), take one call of the tenant's rate
/// (Quotas), and only then parse what the caller sent.
/// </summary>
public static class ControlPlaneEndpoints
{
    // The data-plane APIs this gateway answers; GetDataEndpoint names itself for each.
    private static readonly string[] Served = [ApiNames.GetDashStreamingSessionUrl, ApiNames.GetHlsStreamingSessionUrl, ApiNames.GetClip, ApiNames.ListFragments];

    public static IEndpointRouteBuilder MapControlPlane(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(string.Empty)
            .AddSharedEndpointFilter<ControlPlaneAuthenticationFilter>()
            .AddSharedEndpointFilter<TenantRequestRateFilter>();

        api.MapPost("/getDataEndpoint", async (HttpContext context, TenantQuotas quotas, GatewayBaseUrl baseUrl) =>
        {
            var caller = context.Features.GetRequiredFeature<ControlPlaneCaller>();
            var input = KvsRequestReader.Deserialize(caller.Body.Span, KvsJsonContext.Default.GetDataEndpointInput);
            if (input.APIName is null || !ApiNames.All.Contains(input.APIName))
            {
                throw KvsValidation.ConstraintViolation(input.APIName, "aPIName", $"Member must satisfy enum value set: [{string.Join(", ", ApiNames.All)}]");
            }

            var stream = StreamIdentity.Parse(input.StreamName, input.StreamARN);
            StreamScope.Require(caller.Tenant, stream);
            if (!Served.Contains(input.APIName))
            {
                throw KvsException.InvalidArgument($"This gateway serves {string.Join(", ", Served)}; {input.APIName} is not available through it.");
            }

            await quotas.RequireDataEndpointAsync(caller.Tenant, stream.Name, KvsErrorResponder.GetRequestId(context));

            return Results.Json(new GetDataEndpointOutput { DataEndpoint = baseUrl.For(context.Request) }, KvsJsonContext.Default.GetDataEndpointOutput);
        });

        api.MapPost("/getDASHStreamingSessionURL", async (HttpContext context, SessionUrlIssuer issuer, GatewayBaseUrl baseUrl) =>
        {
            var caller = context.Features.GetRequiredFeature<ControlPlaneCaller>();
            var input = KvsRequestReader.Deserialize(caller.Body.Span, KvsJsonContext.Default.GetDashStreamingSessionUrlInput);
            var (token, session) = await issuer.IssueAsync(caller.Tenant, input, KvsErrorResponder.GetRequestId(context), context.RequestAborted);
            context.Features.Set(new MeteredCall(session.StreamName, session.SessionId));
            var url = $"{baseUrl.For(context.Request)}/dash/v1/getDASHManifest.mpd?SessionToken={token}";
            return Results.Json(new GetDashStreamingSessionUrlOutput { DashStreamingSessionUrl = url }, KvsJsonContext.Default.GetDashStreamingSessionUrlOutput);
        }).AddSharedEndpointFilter<ControlPlaneMeteringFilter>().WithMetadata(new KvsOperationMetadata(KvsOperations.GetDashStreamingSessionUrl));

        api.MapPost("/getHLSStreamingSessionURL", async (HttpContext context, SessionUrlIssuer issuer, GatewayBaseUrl baseUrl) =>
        {
            var caller = context.Features.GetRequiredFeature<ControlPlaneCaller>();
            var input = KvsRequestReader.Deserialize(caller.Body.Span, KvsJsonContext.Default.GetHlsStreamingSessionUrlInput);
            var (token, session) = await issuer.IssueAsync(caller.Tenant, input, KvsErrorResponder.GetRequestId(context), context.RequestAborted);
            context.Features.Set(new MeteredCall(session.StreamName, session.SessionId));
            var url = $"{baseUrl.For(context.Request)}/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken={token}";
            return Results.Json(new GetHlsStreamingSessionUrlOutput { HlsStreamingSessionUrl = url }, KvsJsonContext.Default.GetHlsStreamingSessionUrlOutput);
        }).AddSharedEndpointFilter<ControlPlaneMeteringFilter>().WithMetadata(new KvsOperationMetadata(KvsOperations.GetHlsStreamingSessionUrl));

        api.MapPost("/getClip", async (HttpContext context, ClipForwarder clips, TenantQuotas quotas, TimeProvider time) =>
        {
            var caller = context.Features.GetRequiredFeature<ControlPlaneCaller>();
            var input = KvsRequestReader.Deserialize(caller.Body.Span, KvsJsonContext.Default.GetClipInput);
            var parameters = SessionRequestValidator.ValidateClip(input, time.GetUtcNow());
            StreamScope.Require(caller.Tenant, parameters.Stream);
            await quotas.RequireClipAsync(caller.Tenant, parameters.Stream.Name, KvsErrorResponder.GetRequestId(context));
            await clips.ForwardAsync(input, context.Response, () => context.Features.Set(new MeteredCall(parameters.Stream.Name, UsageKey.NoSession)), context.RequestAborted);
        }).AddSharedEndpointFilter<ControlPlaneMeteringFilter>().WithMetadata(new KvsOperationMetadata(KvsOperations.GetClip));

        api.MapPost("/listFragments", async (HttpContext context, KvsClient origin) =>
        {
            var caller = context.Features.GetRequiredFeature<ControlPlaneCaller>();
            var input = KvsRequestReader.Deserialize(caller.Body.Span, KvsJsonContext.Default.ListFragmentsInput);
            var stream = ListFragmentsRequestValidator.Validate(input);
            StreamScope.Require(caller.Tenant, stream);
            var output = await origin.ListFragmentsAsync(input, context.RequestAborted);
            context.Features.Set(new MeteredCall(stream.Name, UsageKey.NoSession));
            return Results.Json(output, KvsJsonContext.Default.ListFragmentsOutput);
        }).AddSharedEndpointFilter<ControlPlaneMeteringFilter>().WithMetadata(new KvsOperationMetadata(KvsOperations.ListFragments));

        return endpoints;
    }
}
