using KvsGateway.Kvs.Client;
using StackExchange.Redis;

namespace KvsGateway.Hosting;

/// <summary><c>/healthz</c>: the process serves. <c>/readyz</c>: Redis and the origin answer too.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", (GatewayReadiness readiness) =>
            readiness.IsReady ? Results.Text("ok") : Results.Text("starting", statusCode: StatusCodes.Status503ServiceUnavailable));
        endpoints.MapGet("/readyz", async (GatewayReadiness readiness, IConnectionMultiplexer redis, KvsClient origin, HttpContext context) =>
        {
            var redisOk = false;
            try
            {
                await redis.GetDatabase().PingAsync();
                redisOk = true;
            }
            catch (RedisException)
            {
            }

            var originOk = false;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                await origin.ListStreamsAsync(new Kvs.Wire.ListStreamsInput { MaxResults = 1 }, timeout.Token);
                originOk = true;
            }
            catch (Kvs.Errors.KvsException ex) when (ex.StatusCode is >= 400 and < 500)
            {
                // The origin answered (our credentials may not list streams): it is reachable.
                originOk = true;
            }
            catch (Exception ex) when (ex is Kvs.Errors.KvsException or HttpRequestException or OperationCanceledException)
            {
            }

            var ready = readiness.IsReady && redisOk && originOk;
            return Results.Text(
                $"redis: {(redisOk ? "ok" : "unreachable")}\norigin: {(originOk ? "ok" : "unreachable")}\n",
                statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        return endpoints;
    }
}
