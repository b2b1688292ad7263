using System.Collections.Concurrent;
using System.Security.Cryptography;
using KvsGateway.Kvs.Errors;

namespace KvsGateway.Emulator.Dash;

/// <summary>Live sessions by token; an unknown or expired token answers 403 as KVS does.</summary>
public sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, EmulatorSession> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public SessionRegistry(TimeProvider time)
    {
        _time = time;
    }

    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).Replace('+', '-').Replace('/', '_').TrimEnd('=');

    public void Add(EmulatorSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var now = _time.GetUtcNow();
        foreach (var pair in _sessions)
        {
            if (pair.Value.ExpiresAt <= now)
            {
                _sessions.TryRemove(pair.Key, out _);
            }
        }

        _sessions[session.Token] = session;
    }

    public EmulatorSession Get(string? token)
    {
        if (string.IsNullOrEmpty(token) || !_sessions.TryGetValue(token, out var session))
        {
            throw KvsException.NotAuthorized("The session token is invalid.", 403);
        }

        if (session.ExpiresAt <= _time.GetUtcNow())
        {
            _sessions.TryRemove(token, out _);
            throw KvsException.NotAuthorized("The session token has expired.", 403);
        }

        return session;
    }
}
