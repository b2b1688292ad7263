using KvsGateway.Kvs.Errors;
using KvsGateway.Outages;
using Microsoft.AspNetCore.Http.Features;

namespace KvsGateway.Sessions;

/// <summary>
/// A playback step: the request's <c>SessionToken</c> to its session and tenant (a
/// <see cref="ResolvedSession"/> feature for the steps after it), or 403 as KVS answers, also for a
/// session of the other protocol.
/// </summary>
public sealed class SessionResolutionFilter : IEndpointFilter
{
    private readonly PlaybackSessionResolver _resolver;

    public SessionResolutionFilter(PlaybackSessionResolver resolver)
    {
        _resolver = resolver;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var token = http.Request.Query["SessionToken"].ToString();
        ResolvedSession resolved;
        try
        {
            resolved = await _resolver.ResolveAsync(token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KvsException || RedisOutageTranslator.IsOutage(ex))
        {
            // The refusal reaches a viewer of the tenant's session all the same: metering bills it to
            // the tenant and stream the token names.
            if (await _resolver.FindBillableClaimsAsync(token).ConfigureAwait(false) is { } claims)
            {
                http.Features.Set(claims);
            }

            throw;
        }

        // Set before the protocol is checked: a refusal of an authentic session is billed to it.
        http.Features.Set(resolved);

        // A DASH token opens no HLS resource and the reverse, as at KVS: each is a session of its own protocol.
        if (http.GetEndpoint()?.Metadata.GetMetadata<PlaybackProtocolMetadata>() is { } path && path.Protocol != resolved.Session.Protocol)
        {
            throw KvsException.NotAuthorized("The session token is not valid for this resource.", 403);
        }

        return await next(context).ConfigureAwait(false);
    }

    /// <summary>The resolved session of a request past this step.</summary>
    public static ResolvedSession Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.GetRequiredFeature<ResolvedSession>();
    }
}
