using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Http;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.Authentication;
using KvsGateway.Metering;
using KvsGateway.Playback;
using KvsGateway.Quotas;

namespace KvsGateway.ControlPlane;

/// <summary>The signed KVS API calls the gateway answers: GetDataEndpoint and GetDASHStreamingSessionURL.</summary>
public static class ControlPlaneEndpoints
{
    public static IEndpointRouteBuilder MapControlPlane(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/getDataEndpoint", async (HttpContext context, ControlPlaneAuthenticator auth, TenantQuotas quotas, GatewayBaseUrl baseUrl) =>
        {
            var body = await KvsRequestReader.ReadBodyAsync(context.Request, context.RequestAborted);
            var tenant = await auth.AuthenticateAsync(context, body);
            var input = KvsRequestReader.Deserialize(body, KvsJsonContext.Default.GetDataEndpointInput);
            if (input.APIName is null || !ApiNames.All.Contains(input.APIName))
            {
                throw KvsValidation.ConstraintViolation(input.APIName, "aPIName", $"Member must satisfy enum value set: [{string.Join(", ", ApiNames.All)}]");
            }

            var stream = StreamIdentity.Parse(input.StreamName, input.StreamARN);
            StreamScope.Require(tenant, stream);
            if (input.APIName != ApiNames.GetDashStreamingSessionUrl)
            {
                throw KvsException.InvalidArgument($"This gateway serves only {ApiNames.GetDashStreamingSessionUrl}; {input.APIName} is not available through it.");
            }

            await quotas.RequireDataEndpointAsync(tenant, stream.Name, context);

            return Results.Json(new GetDataEndpointOutput { DataEndpoint = baseUrl.For(context.Request) }, KvsJsonContext.Default.GetDataEndpointOutput);
        });

        endpoints.MapPost("/getDASHStreamingSessionURL", async (HttpContext context, ControlPlaneAuthenticator auth, SessionUrlIssuer issuer, GatewayBaseUrl baseUrl, UsageMeter meter) =>
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var body = await KvsRequestReader.ReadBodyAsync(context.Request, context.RequestAborted);
            var tenant = await auth.AuthenticateAsync(context, body);
            GetDashStreamingSessionUrlInput? input = null;
            string? sessionId = null;
            try
            {
                input = KvsRequestReader.Deserialize(body, KvsJsonContext.Default.GetDashStreamingSessionUrlInput);
                (var token, sessionId) = await issuer.IssueAsync(tenant, input, context);
                var url = $"{baseUrl.For(context.Request)}/dash/v1/getDASHManifest.mpd?SessionToken={token}";
                return Results.Json(new GetDashStreamingSessionUrlOutput { DashStreamingSessionUrl = url }, KvsJsonContext.Default.GetDashStreamingSessionUrlOutput);
            }
            finally
            {
                // Counted as KVS counts it: requests, successes and latency per stream (no bytes).
                var stream = input?.StreamName ?? (input?.StreamARN is { } arn ? StreamIdentity.NameFromArn(arn) : "-");
                meter.Record(tenant.Name, stream, sessionId ?? "-", PlaybackApi.GetDashStreamingSessionUrl, 0, sessionId is not null, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            }
        });

        return endpoints;
    }
}
