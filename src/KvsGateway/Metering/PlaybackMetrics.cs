using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using KvsGateway.Playback;

namespace KvsGateway.Metering;

/// <summary>
/// The KVS metrics, under KVS's own names (<c>GetMP4MediaFragment.OutgoingBytes</c>, <c>.Requests</c>,
/// <c>.Success</c>, <c>.Latency</c>, and the same for the other APIs), tagged with tenant and stream,
/// for OpenTelemetry (Prometheus scrape, OTLP).
/// </summary>
public sealed class PlaybackMetrics
{
    public const string MeterName = "KvsGateway";

    private readonly FrozenDictionary<string, Instruments> _byApi;

    public PlaybackMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _byApi = new[] { PlaybackApi.GetDashManifest, PlaybackApi.GetMp4InitFragment, PlaybackApi.GetMp4MediaFragment, PlaybackApi.GetDashStreamingSessionUrl }
            .ToFrozenDictionary(api => api, api => new Instruments(
                api == PlaybackApi.GetDashStreamingSessionUrl ? null : meter.CreateCounter<long>($"{api}.OutgoingBytes", "By", "Body bytes delivered to clients"),
                meter.CreateCounter<long>($"{api}.Requests", "{request}", "Requests"),
                meter.CreateCounter<long>($"{api}.Success", "{request}", "Successful requests"),
                meter.CreateHistogram<double>($"{api}.Latency", "ms", "Time to serve a request")));
    }

    public void Record(string tenant, string stream, string api, long bytes, bool success, TimeSpan latency)
    {
        if (!_byApi.TryGetValue(api, out var instruments))
        {
            return;
        }

        var tags = new TagList { { "tenant", tenant }, { "stream", stream } };
        instruments.OutgoingBytes?.Add(bytes, tags);
        instruments.Requests.Add(1, tags);
        if (success)
        {
            instruments.Success.Add(1, tags);
        }

        instruments.Latency.Record(latency.TotalMilliseconds, tags);
    }

    private sealed record Instruments(Counter<long>? OutgoingBytes, Counter<long> Requests, Counter<long> Success, Histogram<double> Latency);
}
