using Microsoft.AspNetCore.Http.Features;
using KvsGateway.Authentication;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Http;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.Metering;
using KvsGateway.Quotas;
using KvsGateway.Tenancy;

namespace KvsGateway.ControlPlane;

/// <summary>
/// The signed KVS API calls the gateway answers: GetDataEndpoint and GetDASHStreamingSessionURL.
/// Each runs as steps: authenticate the caller (Authentication), take one call of the tenant's rate
/// (Quotas), and only then parse what the caller sent.
/// </summary>
public static class ControlPlaneEndpoints
{
    public static IEndpointRouteBuilder MapControlPlane(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(string.Empty)
            .AddEndpointFilter<ControlPlaneAuthenticationFilter>()
            .AddEndpointFilter<TenantRequestRateFilter>();

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
            if (input.APIName != ApiNames.GetDashStreamingSessionUrl)
            {
                throw KvsException.InvalidArgument($"This gateway serves only {ApiNames.GetDashStreamingSessionUrl}; {input.APIName} is not available through it.");
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
        }).AddEndpointFilter<SessionUrlMeteringFilter>();

        return endpoints;
    }
}
