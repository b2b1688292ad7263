using System.Diagnostics;
using KvsGateway.Authentication;
using KvsGateway.Delivery;
using KvsGateway.Kvs.Http;
using KvsGateway.Kvs.Wire;
using Microsoft.AspNetCore.Http.Features;

namespace KvsGateway.Metering;

/// <summary>
/// Counts a signed call as KVS counts it (requests, successes, latency) under the KVS operation its
/// endpoint names, and under the stream only when the call succeeded: a refused call is counted
/// under <see cref="UsageKey.RefusedStream"/>, whatever it asked for. GetClip's body is billed as
/// playback bytes are (what the caller received); JSON answers carry no billed bytes.
/// </summary>
public sealed class ControlPlaneMeteringFilter : IEndpointFilter
{
    private readonly UsageMeter _meter;

    public ControlPlaneMeteringFilter(UsageMeter meter)
    {
        _meter = meter;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var started = Stopwatch.GetTimestamp();
        var http = context.HttpContext;
        var api = http.GetEndpoint()?.Metadata.GetMetadata<KvsOperationMetadata>()?.Name
            ?? throw new InvalidOperationException("A metered control-plane endpoint names its KVS operation.");
        var delivery = api == KvsOperations.GetClip ? ResponseDelivery.Begin(http) : null;
        var failed = true;
        try
        {
            var result = await next(context).ConfigureAwait(false);
            failed = false;
            return result;
        }
        finally
        {
            var tenant = http.Features.GetRequiredFeature<ControlPlaneCaller>().Tenant.Name;
            var call = http.Features.Get<MeteredCall>();
            var stream = call?.Stream ?? UsageKey.RefusedStream;
            var session = call?.SessionId ?? UsageKey.NoSession;
            var latency = Stopwatch.GetElapsedTime(started);
            if (delivery is null)
            {
                _meter.Record(tenant, stream, session, api, 0, !failed && call is not null, latency);
            }
            else
            {
                var aborted = delivery.Aborted(http);
                var success = !failed && call is not null && !aborted && http.Response.StatusCode < 400;
                delivery.Complete(http, aborted, bytes => _meter.Record(tenant, stream, session, api, bytes, success, latency));
            }
        }
    }
}
