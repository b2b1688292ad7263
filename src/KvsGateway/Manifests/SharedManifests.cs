using System.Collections.Concurrent;
using System.IO.Compression;
using KvsGateway.Forwarding;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Metering;
using KvsGateway.Origins;
using KvsGateway.Sessions;
using Microsoft.Extensions.Options;

namespace KvsGateway.Manifests;

/// <summary>
/// Origin manifests shared by the viewers of an origin session: one fetch at a time per origin
/// session (single-flight), LIVE and LIVE_REPLAY fetched again only once the last fetch is older
/// than <see cref="SharedManifestOptions.ManifestRefreshInterval"/>, ON_DEMAND fetched once. Every
/// fetch takes its cost from the origin budget; when the budget is spent, viewers get the previous
/// manifest rather than an error, and so when the origin throttles a refresh. Any other failed fetch
/// answers every viewer of it with the same KVS error and is tried again after the interval, not before.
/// </summary>
public sealed partial class SharedManifests : IDisposable
{
    // A KVS manifest lists at most this many fragments when MaxManifestFragmentResults is not given.
    private const int DefaultFragmentResults = 5;

    private static readonly TimeSpan IdleSlotLifetime = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<(string OriginSessionId, ManifestResource Resource), Slot> _slots = new();
    private readonly OriginHttp _http;
    private readonly OriginBudget _budget;
    private readonly FragmentNumberIndex _fragmentNumbers;
    private readonly IOptionsMonitor<OriginOptions> _origin;
    private readonly IOptionsMonitor<SharedManifestOptions> _options;
    private readonly TimeProvider _time;
    private readonly bool _viewerRecords;
    private readonly ITimer _sweeper;

    public SharedManifests(OriginHttp http, OriginBudget budget, FragmentNumberIndex fragmentNumbers, IOptionsMonitor<OriginOptions> origin, IOptionsMonitor<SharedManifestOptions> options, IOptions<MeteringOptions> metering, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(metering);
        _http = http;
        _budget = budget;
        _fragmentNumbers = fragmentNumbers;
        _origin = origin;
        _options = options;
        _time = time;
        _viewerRecords = metering.Value.ViewerRecords;
        _sweeper = time.CreateTimer(_ => RemoveIdle(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    /// <summary>The current <paramref name="resource"/> of the session's origin session.</summary>
    public async Task<OriginManifest> GetAsync(PlaybackSession session, ManifestResource resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var id = session.OriginSessionId ?? session.SessionId;
        var now = _time.GetUtcNow();
        var slot = _slots.GetOrAdd((id, resource), static (_, expiresAt) => new Slot(expiresAt), session.OriginExpiresAt ?? session.ExpiresAt);
        Task<OriginManifest> fetch;
        lock (slot)
        {
            slot.LastUsed = now;
            var current = slot.Current;
            // ON_DEMAND never changes, nor does a master playlist (it names the tracks).
            var once = session.PlaybackMode == PlaybackMode.OnDemand || resource.Kind == ManifestKind.HlsMaster;
            // A fetch still in flight is joined, however long it takes: another would only cost the origin again.
            var fresh = current is not null && (!current.IsCompleted
                || (once && current.IsCompletedSuccessfully)
                || now - slot.FetchedAt < _options.CurrentValue.ManifestRefreshInterval);
            if (!fresh)
            {
                slot.Current = current = FetchAsync(session, id, resource, slot);
                slot.FetchedAt = now;
            }

            fetch = current!;
        }

        try
        {
            return await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KvsException shared)
        {
            // Every viewer of a failed fetch gets the same KVS error, each as its own exception.
            throw shared.Copy();
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private async Task<OriginManifest> FetchAsync(PlaybackSession session, string originSessionId, ManifestResource resource, Slot slot)
    {
        var previous = slot.LastGood;
        var manifest = await FetchAsync(session, originSessionId, resource, previous).ConfigureAwait(false);
        slot.LastGood = manifest;
        return manifest;
    }

    private async Task<OriginManifest> FetchAsync(PlaybackSession session, string originSessionId, ManifestResource resource, OriginManifest? previous)
    {
        // Not any viewer's cancellation: every viewer waiting on this fetch needs it.
        var options = _origin.CurrentValue;
        using var timeout = new CancellationTokenSource(options.ActivityTimeout);
        var fragmentResults = session.MaxManifestFragmentResults > 0 ? session.MaxManifestFragmentResults : DefaultFragmentResults;
        try
        {
            await _budget.TakeManifestAsync(originSessionId, session.StreamName, resource.Kind, fragmentResults, wait: previous is null, timeout.Token).ConfigureAwait(false);
        }
        catch (KvsException ex) when (previous is not null && ex.ErrorType == KvsErrorTypes.ClientLimitExceeded)
        {
            return previous;
        }

        var originUrl = resource.Kind == ManifestKind.HlsMedia ? OriginUrls.ForPlaylist(session.OriginSessionUrl, resource.Track) : new Uri(session.OriginSessionUrl);
        using var request = new HttpRequestMessage(HttpMethod.Get, originUrl);
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        HttpResponseMessage response;
        try
        {
            response = await _http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            throw new KvsException(KvsErrorTypes.ServiceUnavailable, 503, "The origin did not answer in time.");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var error = await KvsClient.ReadErrorAsync(response, timeout.Token).ConfigureAwait(false);

                // The origin's own throttle (after a stall it works through the requests queued
                // meanwhile, and they spend the session's second): the last manifest, as when the
                // gateway's budget is spent, rather than telling viewers they asked too often.
                if (previous is not null && error.ErrorType == KvsErrorTypes.ClientLimitExceeded)
                {
                    return previous;
                }

                throw error;
            }

            if (response.Content.Headers.ContentLength > options.MaxManifestBytes)
            {
                throw new KvsException(KvsErrorTypes.InternalFailure, 502, "The origin manifest is larger than the gateway accepts.");
            }

            byte[] body;
            try
            {
                var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                if (response.Content.Headers.ContentEncoding.Contains("gzip"))
                {
                    stream = new GZipStream(stream, CompressionMode.Decompress);
                }

                await using (stream.ConfigureAwait(false))
                {
                    using var buffer = new MemoryStream();
                    await new ReadLimitStream(stream, options.MaxManifestBytes).CopyToAsync(buffer, timeout.Token).ConfigureAwait(false);
                    body = buffer.ToArray();
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException or InvalidDataException)
            {
                throw new KvsException(KvsErrorTypes.ServiceUnavailable, 503, "The origin did not send the manifest in time.");
            }

            var expiresAt = session.OriginExpiresAt ?? session.ExpiresAt;
            // HLS media URLs name their fragment numbers themselves: only DASH needs the index.
            return resource.IsPlaylist
                ? new OriginManifest(body, originUrl, null, playlist: true)
                : new OriginManifest(body, originUrl, _viewerRecords ? (track, sequence, fragment) => _fragmentNumbers.Add(originSessionId, expiresAt, track, sequence, fragment) : null);
        }
    }

    private void RemoveIdle()
    {
        var now = _time.GetUtcNow();
        foreach (var pair in _slots)
        {
            if (pair.Value.ExpiresAt <= now || now - pair.Value.LastUsed > IdleSlotLifetime)
            {
                _slots.TryRemove(pair);
            }
        }
    }

    private sealed class Slot(DateTimeOffset expiresAt)
    {
        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public Task<OriginManifest>? Current { get; set; }

        /// <summary>The last manifest fetched whole, served when a refresh is throttled.</summary>
        public OriginManifest? LastGood { get; set; }

        public DateTimeOffset FetchedAt { get; set; }

        public DateTimeOffset LastUsed { get; set; }
    }
}
