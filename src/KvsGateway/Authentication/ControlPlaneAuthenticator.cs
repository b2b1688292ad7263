using KvsGateway.Auditing;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Signing;
using KvsGateway.Tenancy;
using Microsoft.Extensions.Options;

namespace KvsGateway.Authentication;

/// <summary>
/// Who is calling the control plane: a SigV4 signature with a tenant's keys, or a bearer JWT naming
/// a tenant. A disabled tenant is refused. Every failure is answered with AWS's own error, which says
/// nothing about which part was wrong, and audited (never with the credential) while its address is
/// within its allowance of failures; past it, the address is refused before anything is checked.
/// </summary>
public sealed class ControlPlaneAuthenticator
{
    private static readonly System.Buffers.SearchValues<char> AccessKeyIdCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");

    private readonly SigV4TenantAuthenticator _sigV4;
    private readonly BearerTenantAuthenticator _bearer;
    private readonly TenantDisablement _disablement;
    private readonly IOptionsMonitor<GatewayAuthenticationOptions> _options;
    private readonly FailedAuthenticationLimiter _failures;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;

    public ControlPlaneAuthenticator(SigV4TenantAuthenticator sigV4, BearerTenantAuthenticator bearer, TenantDisablement disablement, IOptionsMonitor<GatewayAuthenticationOptions> options, FailedAuthenticationLimiter failures, AuditLog audit, TimeProvider time)
    {
        _failures = failures;
        _sigV4 = sigV4;
        _bearer = bearer;
        _disablement = disablement;
        _options = options;
        _audit = audit;
        _time = time;
    }

    public async Task<Tenant> AuthenticateAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var address = context.Connection.RemoteIpAddress;
        var authorization = request.Headers.Authorization.ToString();
        try
        {
            Tenant tenant;
            if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                tenant = await _bearer.AuthenticateAsync(authorization[7..].Trim(), context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                if (_options.CurrentValue.SecurityToken == SecurityTokenPolicy.Reject && request.Headers.ContainsKey(SigV4.SecurityTokenHeader))
                {
                    throw new KvsException(KvsErrorTypes.UnrecognizedClient, 403, "The security token included in the request is invalid.");
                }

                tenant = _sigV4.Authenticate(request, body.Span);
            }

            if (await _disablement.IsDisabledAsync(tenant).ConfigureAwait(false))
            {
                throw KvsException.NotAuthorized("The account is disabled.");
            }

            return tenant;
        }
        catch (KvsException ex)
        {
            _failures.RecordFailure(address);
            _audit.Write(new AuditEvent
            {
                Time = _time.GetUtcNow(),
                Event = AuditEvents.AuthenticationFailed,
                RequestId = KvsErrorResponder.GetRequestId(context),
                AccessKeyId = ClaimedAccessKeyId(request, authorization),
                RemoteAddress = address?.ToString(),
                Reason = ex.ErrorType,
            });
            throw;
        }
    }

    /// <summary>
    /// The key id the caller claimed (not verified): it helps trace a misconfigured client. Kept only
    /// when it has the shape of an access key id (at most 128 letters and digits): it is caller text.
    /// </summary>
    private static string? ClaimedAccessKeyId(HttpRequest request, string authorization)
    {
        var id = SigV4AuthorizationHeader.TryParse(authorization, out var header) && header is not null
            ? header.AccessKeyId
            : request.Query["X-Amz-Credential"].ToString().Split('/')[0];
        return id.Length is > 0 and <= 128 && !id.AsSpan().ContainsAnyExcept(AccessKeyIdCharacters) ? id : null;
    }
}
