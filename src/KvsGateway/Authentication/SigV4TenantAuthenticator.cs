using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Signing;
using KvsGateway.Tenancy;
using Microsoft.Extensions.Options;

namespace KvsGateway.Authentication;

/// <summary>Verifies a control-plane call's SigV4 signature against the tenants' keys, in a region the operator allows.</summary>
public sealed class SigV4TenantAuthenticator
{
    private readonly TenantDirectory _directory;
    private readonly IOptionsMonitor<GatewayAuthenticationOptions> _options;
    private readonly SigV4Verifier _verifier;

    public SigV4TenantAuthenticator(TenantDirectory directory, IOptionsMonitor<GatewayAuthenticationOptions> options, TimeProvider time)
    {
        _directory = directory;
        _options = options;
        _verifier = new SigV4Verifier(time);
    }

    public Tenant Authenticate(HttpRequest request, ReadOnlySpan<byte> body)
    {
        Tenant? tenant = null;
        var header = _verifier.Verify(request, body, accessKeyId =>
        {
            var found = _directory.FindByAccessKey(accessKeyId);
            tenant = found?.Tenant;
            return found?.Secret;
        });
        var regions = _options.CurrentValue.AllowedRegions;
        if (regions.Count > 0 && !regions.Contains(header.Region, StringComparer.Ordinal))
        {
            // As AWS answers a signature scoped to a region the endpoint does not serve.
            throw new KvsException(KvsErrorTypes.InvalidSignature, 403, $"Credential should be scoped to a valid region, not '{header.Region}'.");
        }

        return tenant!;
    }
}
