using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Http;
using KvsGateway.Sessions;

namespace KvsGateway.Quotas;

/// <summary>
/// A playback step after the session is known: the tenant's playback rates for this API and its
/// monthly byte budget (<c>ClientLimitExceededException</c> with <c>Retry-After</c> past either).
/// </summary>
public sealed class PlaybackQuotaFilter : IEndpointFilter
{
    private readonly TenantQuotas _quotas;

    public PlaybackQuotaFilter(TenantQuotas quotas)
    {
        _quotas = quotas;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var resolved = SessionResolutionFilter.Of(http);
        var operation = http.GetEndpoint()?.Metadata.GetMetadata<KvsOperationMetadata>()?.Name
            ?? throw new InvalidOperationException("A playback endpoint names its KVS operation.");
        await _quotas.RequirePlaybackAsync(resolved.Tenant, resolved.Session, operation, KvsErrorResponder.GetRequestId(http)).ConfigureAwait(false);
        return await next(context).ConfigureAwait(false);
    }
}
