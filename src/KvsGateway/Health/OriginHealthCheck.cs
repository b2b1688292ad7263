using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KvsGateway.Health;

/// <summary>
/// The origin answers a one-stream ListStreams within 3 s (cached for a few seconds). An error
/// answer (our credentials may not list streams) still shows the origin is reachable.
/// </summary>
public sealed class OriginHealthCheck : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    private readonly KvsClient _origin;
    private readonly HealthResultCache _cache;

    public OriginHealthCheck(KvsClient origin, TimeProvider time)
    {
        _origin = origin;
        _cache = new HealthResultCache(time);
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        _cache.GetAsync(ProbeAsync, cancellationToken);

    private async Task<HealthCheckResult> ProbeAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await _origin.ListStreamsAsync(new ListStreamsInput { MaxResults = 1 }, timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy("ok");
        }
        catch (KvsException ex) when (ex.StatusCode is >= 400 and < 500)
        {
            return HealthCheckResult.Healthy("ok");
        }
        catch (Exception ex) when (ex is KvsException or HttpRequestException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("unreachable");
        }
    }
}
