using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Tokens;

namespace KvsGateway.Authentication;

/// <summary>
/// Issuers' signing keys from their JWKS documents, through IdentityModel's
/// <see cref="ConfigurationManager{T}"/> (single-flight fetches, a periodic refresh, a throttled forced
/// refresh). On top of it: an unknown key id (the issuer rotated) forces a refresh at most once every
/// 30 seconds, and waits for it, so a new key works on its first token; and keys are used only
/// within <see cref="BearerIssuerOptions.JwksKeyLifetime"/> of the last fetch that succeeded, so an
/// issuer that cannot be reached does not keep a removed key alive.
/// </summary>
public sealed partial class JwksKeySource : IDisposable
{
    private static readonly TimeSpan MinForcedRefreshInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ForcedRefreshWait = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<(Uri Uri, TimeSpan Refresh), Source> _sources = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly TimeProvider _time;
    private readonly bool _requireHttps;
    private readonly ILogger<JwksKeySource> _logger;

    public JwksKeySource(TimeProvider time, IHostEnvironment environment, ILogger<JwksKeySource> logger)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _time = time;
        _logger = logger;

        // Outside Development configuration refuses an http JWKS URI; this is the second line.
        _requireHttps = !environment.IsDevelopment();
    }

    /// <summary>The issuer's current keys; with <paramref name="refresh"/>, after a forced refresh (when one is allowed now).</summary>
    public async Task<IList<SecurityKey>> GetKeysAsync(BearerIssuerOptions issuer, bool refresh, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var source = _sources.GetOrAdd((issuer.JwksUri!, issuer.JwksRefreshInterval), key => new Source(key.Uri, key.Refresh, _http, _requireHttps, _time, _logger));
        if (refresh)
        {
            await source.ForceRefreshAsync(MinForcedRefreshInterval, ForcedRefreshWait, cancellationToken).ConfigureAwait(false);
        }

        return await source.GetKeysAsync(issuer.JwksKeyLifetime, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    [LoggerMessage(1, LogLevel.Warning, "Fetching the JWKS document {Uri} failed")]
    private static partial void LogFetchFailed(ILogger logger, Exception exception, Uri uri);

    [LoggerMessage(2, LogLevel.Debug, "Fetched the JWKS document {Uri}: {Count} signing keys")]
    private static partial void LogFetched(ILogger logger, Uri uri, int count);

    [LoggerMessage(3, LogLevel.Warning, "The keys of {Uri} were last fetched at {FetchedAt}, longer ago than their lifetime: no key of that issuer is accepted until a fetch succeeds")]
    private static partial void LogKeysExpired(ILogger logger, Uri uri, DateTimeOffset fetchedAt);

    /// <summary>One JWKS document: its configuration manager and the time of its last good fetch.</summary>
    private sealed class Source : IConfigurationRetriever<JsonWebKeySet>
    {
        private readonly Uri _uri;
        private readonly ConfigurationManager<JsonWebKeySet> _manager;
        private readonly TimeProvider _time;
        private readonly ILogger _logger;
        private readonly Lock _gate = new();
        private long _fetchedAtTicks = DateTimeOffset.MinValue.UtcTicks;
        private JsonWebKeySet? _latest;
        private static readonly TimeSpan ManagerRefreshInterval = ConfigurationManager<JsonWebKeySet>.MinimumRefreshInterval + TimeSpan.FromMilliseconds(100);
        private long _lastRequestTimestamp;
        private DateTimeOffset _lastForced = DateTimeOffset.MinValue;
        private TaskCompletionSource _nextFetch = new(TaskCreationOptions.RunContinuationsAsynchronously);


        public Source(Uri uri, TimeSpan refresh, HttpClient http, bool requireHttps, TimeProvider time, ILogger logger)
        {
            _uri = uri;
            _time = time;
            _logger = logger;
            _manager = new ConfigurationManager<JsonWebKeySet>(uri.ToString(), this, new HttpDocumentRetriever(http) { RequireHttps = requireHttps })
            {
                AutomaticRefreshInterval = refresh < ConfigurationManager<JsonWebKeySet>.MinimumAutomaticRefreshInterval ? ConfigurationManager<JsonWebKeySet>.MinimumAutomaticRefreshInterval : refresh,

                // Forced refreshes are throttled here, so the manager's own throttle is at its minimum.
                RefreshInterval = ConfigurationManager<JsonWebKeySet>.MinimumRefreshInterval,
            };
        }

        public async Task<IList<SecurityKey>> GetKeysAsync(TimeSpan lifetime, CancellationToken cancellationToken)
        {
            try
            {
                // Drives the fetching (first fetch, periodic refresh); the set itself is taken from
                // the last successful fetch below, which a forced refresh may have just replaced.
                await _manager.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Never fetched successfully: no keys (the failure was logged by the fetch).
                return [];
            }

            var set = Volatile.Read(ref _latest);
            if (set is null)
            {
                return [];
            }

            var fetchedAt = new DateTimeOffset(Interlocked.Read(ref _fetchedAtTicks), TimeSpan.Zero);
            if (_time.GetUtcNow() - fetchedAt > lifetime)
            {
                LogKeysExpired(_logger, _uri, fetchedAt);
                return [];
            }

            return set.GetSigningKeys();
        }

        public async Task ForceRefreshAsync(TimeSpan minInterval, TimeSpan wait, CancellationToken cancellationToken)
        {
            Task next;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                if (now - _lastForced < minInterval)
                {
                    return;
                }

                _lastForced = now;
                next = _nextFetch.Task;
            }

            // The manager ignores a RequestRefresh within a second of wall time of its last one (it
            // reads its own clock just after ours, hence the margin); the 30 s throttle above runs on
            // the gateway's clock, which only a test moves faster than the wall.
            var sinceLast = Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastRequestTimestamp));
            if (sinceLast < ManagerRefreshInterval)
            {
                await Task.Delay(ManagerRefreshInterval - sinceLast, cancellationToken).ConfigureAwait(false);
            }

            _manager.RequestRefresh();
            Interlocked.Exchange(ref _lastRequestTimestamp, Stopwatch.GetTimestamp());
            try
            {
                await next.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The issuer is slow: this token is judged by the keys at hand.
            }
        }

        async Task<JsonWebKeySet> IConfigurationRetriever<JsonWebKeySet>.GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
        {
            try
            {
                var set = new JsonWebKeySet(await retriever.GetDocumentAsync(address, cancel).ConfigureAwait(false));
                Volatile.Write(ref _latest, set);
                Interlocked.Exchange(ref _fetchedAtTicks, _time.GetUtcNow().UtcTicks);
                LogFetched(_logger, _uri, set.Keys.Count);
                return set;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or ArgumentException or InvalidOperationException or TaskCanceledException)
            {
                LogFetchFailed(_logger, ex, _uri);
                throw;
            }
            finally
            {
                TaskCompletionSource done;
                lock (_gate)
                {
                    done = _nextFetch;
                    _nextFetch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                done.TrySetResult();
            }
        }
    }
}
