using System.Collections.Concurrent;
using System.Security.Cryptography;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;

namespace KvsGateway.Emulator.Sessions;

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

    /// <summary>A session of the protocol a resource belongs to: a DASH token opens no HLS resource, and the reverse.</summary>
    public EmulatorSession Get(string? token, bool hls)
    {
        var session = Get(token);
        if ((session.Parameters is HlsSessionParameters) != hls)
        {
            throw KvsException.NotAuthorized("The session token is not valid for this resource.", 403);
        }

        return session;
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
