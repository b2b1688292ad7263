using KvsGateway.Kvs.Signing;
using KvsGateway.Tenancy;

namespace KvsGateway.Authentication;

/// <summary>Verifies a control-plane call's SigV4 signature against the tenants' keys.</summary>
public sealed class SigV4TenantAuthenticator
{
    private readonly TenantDirectory _directory;
    private readonly SigV4Verifier _verifier;

    public SigV4TenantAuthenticator(TenantDirectory directory, TimeProvider time)
    {
        _directory = directory;
        _verifier = new SigV4Verifier(time);
    }

    public Tenant Authenticate(HttpRequest request, ReadOnlySpan<byte> body)
    {
        Tenant? tenant = null;
        _verifier.Verify(request, body, accessKeyId =>
        {
            var found = _directory.FindByAccessKey(accessKeyId);
            tenant = found?.Tenant;
            return found?.Secret;
        });
        return tenant!;
    }
}
