using KvsGateway.Kvs.Signing;

namespace KvsGateway.Kvs.Client;

/// <summary>Where the KVS control plane is and how to sign for it.</summary>
public sealed class KvsClientOptions
{
    /// <summary>Control-plane base URL (CreateStream, DescribeStream, GetDataEndpoint).</summary>
    public required Uri ControlEndpoint { get; init; }

    public string Region { get; init; } = "us-east-1";

    public required AwsCredentials Credentials { get; init; }

    /// <summary>How long a data endpoint from GetDataEndpoint is reused (KVS allows 5 calls/s per stream).</summary>
    public TimeSpan DataEndpointCacheDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Time allowed for one JSON API call.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
