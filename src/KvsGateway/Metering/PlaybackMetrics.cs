using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using KvsGateway.Kvs.Wire;
using Microsoft.Extensions.Options;

namespace KvsGateway.Metering;

/// <summary>
/// The KVS metrics, under KVS's own names (<c>GetMP4MediaFragment.OutgoingBytes</c>, <c>.Requests</c>,
/// <c>.Success</c>, <c>.Latency</c>, and the same for the other APIs), tagged with tenant and stream,
/// for OpenTelemetry (Prometheus scrape, OTLP). Labels come from configuration and from sessions,
/// never from what a caller typed, and each tenant gets at most
/// <see cref="MeteringOptions.MaxStreamLabelsPerTenant"/> stream labels: the number of series is
/// bounded by configuration whatever callers do.
/// </summary>
public sealed class PlaybackMetrics
{
    public const string MeterName = "KvsGateway";

    /// <summary>The stream label of a tenant's streams beyond its label allowance.</summary>
    public const string OtherStreams = "(other)";

    private readonly FrozenDictionary<string, Instruments> _byApi;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _streamLabels = new(StringComparer.Ordinal);
    private readonly int _maxStreamLabels;
    private readonly Counter<long> _cacheRequests;
    private readonly Counter<long> _originFragmentBytes;

    public PlaybackMetrics(IMeterFactory meters, IOptions<MeteringOptions> options)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(options);
        _maxStreamLabels = options.Value.MaxStreamLabelsPerTenant;
        var meter = meters.Create(MeterName);
        _byApi = new[]
            {
                KvsOperations.GetDashManifest, KvsOperations.GetMp4InitFragment, KvsOperations.GetMp4MediaFragment, KvsOperations.GetDashStreamingSessionUrl,
                KvsOperations.GetHlsStreamingSessionUrl, KvsOperations.GetHlsMasterPlaylist, KvsOperations.GetHlsMediaPlaylist, KvsOperations.GetTsFragment,
                KvsOperations.GetClip, KvsOperations.ListFragments,
            }
            .ToFrozenDictionary(api => api, api => new Instruments(
                api is KvsOperations.GetDashStreamingSessionUrl or KvsOperations.GetHlsStreamingSessionUrl or KvsOperations.ListFragments ? null : meter.CreateCounter<long>($"{api}.OutgoingBytes", "By", "Body bytes delivered to clients"),
                meter.CreateCounter<long>($"{api}.Requests", "{request}", "Requests"),
                meter.CreateCounter<long>($"{api}.Success", "{request}", "Successful requests"),
                meter.CreateHistogram<double>($"{api}.Latency", "ms", "Time to serve a request")));
        _cacheRequests = meter.CreateCounter<long>("kvsgw.fragment_cache.requests", "{request}", "Fragment requests by whether the shared cache had them (hit) or the origin was asked (miss)");
        _originFragmentBytes = meter.CreateCounter<long>("kvsgw.origin.fragment_bytes", "By", "Fragment bytes fetched from the origin (what viewers received beyond this came from the cache)");
    }

    /// <summary>A fragment request of the shared cache; <paramref name="result"/> is <c>hit</c>, <c>miss</c> or <c>bypass</c> (no room: fetched on its own).</summary>
    public void RecordCacheRequest(string tenant, string stream, string result) =>
        _cacheRequests.Add(1, new TagList { { "tenant", tenant }, { "stream", StreamLabel(tenant, stream) }, { "result", result } });

    /// <summary>Bytes of a fragment fetched from the origin, under the tenant whose viewer's request fetched it.</summary>
    public void RecordOriginFragmentBytes(string tenant, string stream, long bytes) =>
        _originFragmentBytes.Add(bytes, new TagList { { "tenant", tenant }, { "stream", StreamLabel(tenant, stream) } });

    public void Record(string tenant, string stream, string api, long bytes, bool success, TimeSpan latency)
    {
        if (!_byApi.TryGetValue(api, out var instruments))
        {
            return;
        }

        var tags = new TagList { { "tenant", tenant }, { "stream", StreamLabel(tenant, stream) } };
        instruments.OutgoingBytes?.Add(bytes, tags);
        instruments.Requests.Add(1, tags);
        if (success)
        {
            instruments.Success.Add(1, tags);
        }

        instruments.Latency.Record(latency.TotalMilliseconds, tags);
    }

    private string StreamLabel(string tenant, string stream)
    {
        var labels = _streamLabels.GetOrAdd(tenant, static _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
        if (labels.ContainsKey(stream))
        {
            return stream;
        }

        // Racing first uses may overshoot by a thread or two; the bound still holds in practice.
        return (labels.Count < _maxStreamLabels && labels.TryAdd(stream, 0)) || labels.ContainsKey(stream) ? stream : OtherStreams;
    }

    private sealed record Instruments(Counter<long>? OutgoingBytes, Counter<long> Requests, Counter<long> Success, Histogram<double> Latency);
}
