using KvsGateway.Kvs.Client;

namespace KvsGateway.Origins;

/// <summary>
/// Which origin a gateway talks to (endpoint, region, its access key id): part of every shared key
/// about the origin's sessions and rates, so gateways of different origins sharing a Redis, or one
/// moved to another origin, never count or join each other's.
/// </summary>
public static class OriginIdentity
{
    public static string Of(KvsClient origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        var options = origin.Options;
        return $"{options.ControlEndpoint}\n{options.Region}\n{options.Credentials.AccessKeyId}";
    }
}
