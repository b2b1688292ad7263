using System.Security.Cryptography;
using System.Text.Json;
using StackExchange.Redis;

namespace KvsGateway.Sessions;

/// <summary>Playback sessions in Redis, each with a time to live equal to its <c>Expires</c>.</summary>
public sealed class SessionStore
{
    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;

    public SessionStore(IConnectionMultiplexer redis, TimeProvider time)
    {
        _redis = redis;
        _time = time;
    }

    public static string NewSessionId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Whether the text has the shape of a session id (32 lower-case hex digits), before it becomes part of a key.</summary>
    public static bool IsSessionId(string? text) =>
        text is { Length: 32 } && !text.AsSpan().ContainsAnyExcept("0123456789abcdef");

    /// <summary>Saves the session; on <paramref name="batch"/> when given (sent with the batch's other commands).</summary>
    public async Task SaveAsync(PlaybackSession session, IDatabaseAsync? batch = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        var ttl = session.ExpiresAt - _time.GetUtcNow();
        if (ttl <= TimeSpan.Zero)
        {
            return;
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(session, SessionsJsonContext.Default.PlaybackSession);
        await (batch ?? _redis.GetDatabase()).StringSetAsync(SessionKeys.Session(session.SessionId), json, ttl).ConfigureAwait(false);
    }

    public async Task<PlaybackSession?> FindAsync(string sessionId)
    {
        var value = await _redis.GetDatabase().StringGetAsync(SessionKeys.Session(sessionId)).ConfigureAwait(false);
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        var session = JsonSerializer.Deserialize((byte[])value!, SessionsJsonContext.Default.PlaybackSession);
        return session is null || session.ExpiresAt <= _time.GetUtcNow() ? null : session;
    }

    public Task<bool> DeleteAsync(string sessionId) => _redis.GetDatabase().KeyDeleteAsync(SessionKeys.Session(sessionId));
}
