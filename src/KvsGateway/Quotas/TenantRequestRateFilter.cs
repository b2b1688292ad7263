using Microsoft.AspNetCore.Http.Features;
using KvsGateway.Authentication;

namespace KvsGateway.Quotas;

/// <summary>
/// The second step of every control-plane call, before anything the caller wrote is parsed: the
/// tenant's call rate. A call past it is answered <c>ClientLimitExceededException</c> and leaves no
/// trace (no usage, no audit record, no Redis call), so refused calls cannot be used to flood anything.
/// </summary>
public sealed class TenantRequestRateFilter : IEndpointFilter
{
    private readonly TenantRequestLimiter _limiter;

    public TenantRequestRateFilter(TenantRequestLimiter limiter)
    {
        _limiter = limiter;
    }

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        _limiter.Require(context.HttpContext.Features.GetRequiredFeature<ControlPlaneCaller>().Tenant);
        return next(context);
    }
}
