using System.Diagnostics;
using KvsGateway.Authentication;
using KvsGateway.Kvs.Wire;
using Microsoft.AspNetCore.Http.Features;

namespace KvsGateway.Metering;

/// <summary>
/// Counts a session-URL call as KVS counts it (requests, successes, latency; no bytes), under the
/// stream only when the call succeeded: a refused call is counted under
/// <see cref="UsageKey.RefusedStream"/>, whatever it asked for.
/// </summary>
public sealed class SessionUrlMeteringFilter : IEndpointFilter
{
    private readonly UsageMeter _meter;

    public SessionUrlMeteringFilter(UsageMeter meter)
    {
        _meter = meter;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var started = Stopwatch.GetTimestamp();
        var http = context.HttpContext;
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        finally
        {
            var call = http.Features.Get<MeteredCall>();
            _meter.Record(
                http.Features.GetRequiredFeature<ControlPlaneCaller>().Tenant.Name,
                call?.Stream ?? UsageKey.RefusedStream,
                call?.SessionId ?? UsageKey.NoSession,
                KvsOperations.GetDashStreamingSessionUrl,
                0,
                call is not null,
                Stopwatch.GetElapsedTime(started));
        }
    }
}
