using KvsGateway.Kvs.Errors;
using KvsGateway.Sessions;
using KvsGateway.Tokens;

namespace KvsGateway.Playback;

/// <summary>From a <c>SessionToken</c> to a live session; anything wrong answers 403 as KVS does.</summary>
public sealed class PlaybackSessionResolver
{
    private readonly SessionTokenService _tokens;
    private readonly SessionStore _sessions;

    public PlaybackSessionResolver(SessionTokenService tokens, SessionStore sessions)
    {
        _tokens = tokens;
        _sessions = sessions;
    }

    public async Task<PlaybackSession> ResolveAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var claims = await _tokens.ReadAsync(request.Query["SessionToken"].ToString()).ConfigureAwait(false)
            ?? throw Refused();
        var session = await _sessions.FindAsync(claims.SessionId).ConfigureAwait(false);
        if (session is null || !string.Equals(session.Tenant, claims.Tenant, StringComparison.Ordinal))
        {
            throw Refused();
        }

        return session;
    }

    private static KvsException Refused() => KvsException.NotAuthorized("The session token is invalid or has expired.", 403);
}
