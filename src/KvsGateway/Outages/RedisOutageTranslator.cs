using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Http;
using StackExchange.Redis;

namespace KvsGateway.Outages;

/// <summary>
/// Redis unreachable, timing out, or a cluster without a master for a slot (during a failover): the
/// request fails closed, as a retryable <c>ServiceUnavailableException</c> (503, Retry-After) rather
/// than an internal failure. Anything else Redis answers (a script error) stays a fault of ours.
/// </summary>
public sealed class RedisOutageTranslator : IKvsErrorTranslator
{
    // Server replies that mean "no master can take this now", not "this command is wrong".
    private static readonly string[] OutageReplies = ["CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "READONLY", "LOADING"];

    public KvsException? Translate(Exception exception) => IsOutage(exception)
        ? new KvsException(KvsErrorTypes.ServiceUnavailable, 503, "The gateway's session store is unavailable. Try again.") { RetryAfterSeconds = 1 }
        : null;

    public static bool IsOutage(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => OutageReplies.Any(reply => server.Message.StartsWith(reply, StringComparison.Ordinal)),
        _ => false,
    };
}
