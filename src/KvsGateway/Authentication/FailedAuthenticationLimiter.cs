using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using KvsGateway.Kvs.Errors;
using Microsoft.Extensions.Options;

namespace KvsGateway.Authentication;

/// <summary>
/// Failed control-plane authentications per client address, in memory on each replica. Past
/// <see cref="GatewayAuthenticationOptions.FailuresPerAddressPerSecond"/>, an address's failures are
/// answered <c>ClientLimitExceededException</c> and leave no audit record, so an unauthenticated
/// flood costs a signature check and touches nothing shared. A caller that does authenticate is
/// never held back by someone else's failures from the same address (a NAT, a proxy). IPv6 clients
/// count by their /64, which one host can fill with addresses.
/// </summary>
public sealed class FailedAuthenticationLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures;

    public FailedAuthenticationLimiter(IOptions<GatewayAuthenticationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var perSecond = options.Value.FailuresPerAddressPerSecond;
        _failures = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Counts one failure; past the address's allowance, refuses it as a throttled call instead.</summary>
    public void RecordFailure(IPAddress? address)
    {
        using var lease = _failures.AttemptAcquire(KeyOf(address));
        if (!lease.IsAcquired)
        {
            throw new KvsException(KvsErrorTypes.ClientLimitExceeded, 400, "Too many failed requests from this address; retry later.") { RetryAfterSeconds = 1 };
        }
    }

    public void Dispose() => _failures.Dispose();

    private static string KeyOf(IPAddress? address)
    {
        if (address is null)
        {
            return "-";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString();
    }
}
