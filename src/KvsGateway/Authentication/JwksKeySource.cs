using Microsoft.IdentityModel.Tokens;

namespace KvsGateway.Authentication;

/// <summary>
/// An issuer's signing keys from its JWKS document, cached. An unknown key id (the issuer rotated)
/// may force a refetch, at most once every 30 seconds so bad tokens cannot hammer the issuer.
/// </summary>
public sealed partial class JwksKeySource : IDisposable
{
    private static readonly TimeSpan MinRefetchInterval = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private readonly ILogger<JwksKeySource> _logger;
    private (Uri Uri, IList<SecurityKey> Keys, DateTimeOffset FetchedAt)? _cached;
    private DateTimeOffset _lastRefetch = DateTimeOffset.MinValue;

    public JwksKeySource(TimeProvider time, ILogger<JwksKeySource> logger)
    {
        _time = time;
        _logger = logger;
    }

    public async Task<IList<SecurityKey>> GetKeysAsync(Uri uri, TimeSpan maxAge, bool refetch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var now = _time.GetUtcNow();
        if (Fresh(uri, now, maxAge, refetch) is { } keys)
        {
            return keys;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            now = _time.GetUtcNow();
            if (Fresh(uri, now, maxAge, refetch) is { } fetched)
            {
                return fetched;
            }

            if (refetch)
            {
                _lastRefetch = now;
            }

            try
            {
                var json = await _http.GetStringAsync(uri, cancellationToken).ConfigureAwait(false);
                var set = new JsonWebKeySet(json);
                _cached = (uri, set.GetSigningKeys(), now);
                LogFetched(_logger, uri, _cached.Value.Keys.Count);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or ArgumentException)
            {
                // Keep serving the keys we had: an issuer outage must not lock every web back end out.
                LogFetchFailed(_logger, ex, uri);
                if (_cached is { } stale && stale.Uri == uri)
                {
                    _cached = stale with { FetchedAt = now };
                }
            }

            return _cached is { } current && current.Uri == uri ? current.Keys : [];
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }

    private IList<SecurityKey>? Fresh(Uri uri, DateTimeOffset now, TimeSpan maxAge, bool refetch)
    {
        if (_cached is not { } cached || cached.Uri != uri)
        {
            return null;
        }

        // A forced refetch is granted at most once per interval, however recent the last regular fetch.
        var fresh = refetch ? now - _lastRefetch < MinRefetchInterval : now - cached.FetchedAt < maxAge;
        return fresh ? cached.Keys : null;
    }

    [LoggerMessage(2, LogLevel.Debug, "Fetched the JWKS document {Uri}: {Count} signing keys")]
    private static partial void LogFetched(ILogger logger, Uri uri, int count);

    [LoggerMessage(1, LogLevel.Warning, "Fetching the JWKS document {Uri} failed")]
    private static partial void LogFetchFailed(ILogger logger, Exception exception, Uri uri);
}
