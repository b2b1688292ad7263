using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;

namespace KvsGateway.Tenancy;

/// <summary>A stream outside a tenant's scope answers exactly as a stream that does not exist.</summary>
public static class StreamScope
{
    public static void Require(Tenant tenant, StreamIdentity stream)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(stream);
        if (!tenant.MayAccess(stream.Name, stream.StreamArn))
        {
            throw KvsException.ResourceNotFound(stream.StreamArn is null
                ? $"The stream {stream.Name} does not exist."
                : $"The stream with ARN {stream.StreamArn} does not exist.");
        }
    }
}
