using System.Collections.Concurrent;
using KvsGateway.Kvs.Errors;
using Microsoft.Extensions.Options;

namespace KvsGateway.Emulator.Sessions;

/// <summary>
/// The KVS playback quotas, each counted in one-second windows: per session (manifests, init and
/// media fragments) and per stream (session URLs, fragment-metadata and fragment-media points).
/// </summary>
public sealed class PlaybackQuotas
{
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly QuotaOptions _options;

    public PlaybackQuotas(TimeProvider time, IOptions<EmulatorOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _options = options.Value.Quotas;
    }

    /// <summary>Windows currently held (one per stream or session and quota); for tests and diagnostics.</summary>
    internal int TrackedWindows => _windows.Count;

    /// <summary>Counts a session URL of a stream that exists; callers pass the stored name, never the caller's text.</summary>
    public void SessionUrl(string stream, bool hls)
    {
        if (hls)
        {
            Take("hls-url:" + stream, 1, _options.SessionUrlsPerStream, "GetHLSStreamingSessionURL calls for this stream");
        }
        else
        {
            Take("url:" + stream, 1, _options.SessionUrlsPerStream, "GetDASHStreamingSessionURL calls for this stream");
        }
    }

    public void Manifest(EmulatorSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Take("manifest:" + session.Token, 1, _options.ManifestsPerSession, "GetDASHManifest calls for this session");
        Take("metadata:" + session.Stream.StreamName, session.Parameters.MaxFragmentResults, _options.MetadataPointsPerStream, "fragment metadata for this stream");
    }

    /// <summary>An HLS master playlist: a session rate, no stream points.</summary>
    public void MasterPlaylist(EmulatorSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Take("master:" + session.Token, 1, _options.ManifestsPerSession, "GetHLSMasterPlaylist calls for this session");
    }

    /// <summary>An HLS media playlist costs its MaxMediaPlaylistFragmentResults metadata points, per track.</summary>
    public void MediaPlaylist(EmulatorSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Take("playlist:" + session.Token, 1, _options.ManifestsPerSession, "GetHLSMediaPlaylist calls for this session");
        Take("metadata:" + session.Stream.StreamName, session.Parameters.MaxFragmentResults, _options.MetadataPointsPerStream, "fragment metadata for this stream");
    }

    /// <summary>GetClip and ListFragments cost points of the stream's pools (no session involved).</summary>
    public void StreamPoints(string stream, int metadataPoints, int mediaPoints)
    {
        if (metadataPoints > 0)
        {
            Take("metadata:" + stream, metadataPoints, _options.MetadataPointsPerStream, "fragment metadata for this stream");
        }

        if (mediaPoints > 0)
        {
            Take("media-points:" + stream, mediaPoints, _options.MediaPointsPerStream, "fragment media for this stream");
        }
    }

    public void InitFragment(EmulatorSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Take("init:" + session.Token, 1, _options.InitFragmentsPerSession, "GetMP4InitFragment calls for this session");
    }

    public void MediaFragment(EmulatorSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Take("media:" + session.Token, 1, _options.MediaFragmentsPerSession, "media fragment calls for this session");
        Take("media-points:" + session.Stream.StreamName, 1, _options.MediaPointsPerStream, "fragment media for this stream");
    }

    private void Take(string key, int cost, int limit, string what)
    {
        var second = _time.GetUtcNow().ToUnixTimeSeconds();
        if (_windows.Count > 100_000)
        {
            foreach (var pair in _windows)
            {
                if (pair.Value.Second < second)
                {
                    _windows.TryRemove(pair.Key, out _);
                }
            }
        }

        var window = _windows.AddOrUpdate(key, _ => new Window(second, cost), (_, old) => old.Second == second ? old with { Used = old.Used + cost } : new Window(second, cost));
        if (window.Used > limit)
        {
            throw new KvsException(KvsErrorTypes.ClientLimitExceeded, 400, $"Too many {what}: the limit is {limit} per second.") { RetryAfterSeconds = 1 };
        }
    }

    private sealed record Window(long Second, int Used);
}
