using System.Text.Json;
using Microsoft.Extensions.Options;

namespace KvsGateway.Metering;

/// <summary>
/// CloudWatch Embedded Metric Format: per flush, one line per tenant and stream carrying the KVS
/// metric names (<c>GetMP4MediaFragment.OutgoingBytes</c> …) with dimensions <c>StreamName</c> and
/// <c>Tenant</c>, so logs shipped to CloudWatch become the same metrics KVS publishes.
/// </summary>
public sealed class EmfWriter
{
    private readonly EmfOptions _options;
    private readonly TimeProvider _time;

    public EmfWriter(IOptions<MeteringOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value.Emf;
        _time = time;
    }

    public bool Enabled => _options.Enabled;

    public async Task WriteAsync(UsageBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!_options.Enabled || batch.Counts.Count == 0)
        {
            return;
        }

        using var buffer = new MemoryStream();
        var timestamp = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var group in batch.Counts.GroupBy(p => (p.Key.Tenant, p.Key.Stream)))
        {
            var totals = group.GroupBy(p => p.Key.Api).Select(g => (Api: g.Key,
                Bytes: g.Sum(p => p.Value.Bytes), Requests: g.Sum(p => p.Value.Requests), Successes: g.Sum(p => p.Value.Successes),
                Latency: g.Sum(p => p.Value.LatencyMicroseconds))).ToList();
            using var writer = new Utf8JsonWriter(buffer);
            writer.WriteStartObject();
            writer.WriteStartObject("_aws");
            writer.WriteNumber("Timestamp", timestamp);
            writer.WriteStartArray("CloudWatchMetrics");
            writer.WriteStartObject();
            writer.WriteString("Namespace", _options.Namespace);
            writer.WriteStartArray("Dimensions");
            writer.WriteStartArray();
            writer.WriteStringValue("StreamName");
            writer.WriteStringValue("Tenant");
            writer.WriteEndArray();
            writer.WriteEndArray();
            writer.WriteStartArray("Metrics");
            foreach (var total in totals)
            {
                if (total.Api != Playback.PlaybackApi.GetDashStreamingSessionUrl)
                {
                    Metric(writer, total.Api + ".OutgoingBytes", "Bytes");
                }

                Metric(writer, total.Api + ".Requests", "Count");
                Metric(writer, total.Api + ".Success", "Count");
                Metric(writer, total.Api + ".Latency", "Milliseconds");
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteString("StreamName", group.Key.Stream);
            writer.WriteString("Tenant", group.Key.Tenant);
            foreach (var total in totals)
            {
                if (total.Api != Playback.PlaybackApi.GetDashStreamingSessionUrl)
                {
                    writer.WriteNumber(total.Api + ".OutgoingBytes", total.Bytes);
                }

                writer.WriteNumber(total.Api + ".Requests", total.Requests);
                writer.WriteNumber(total.Api + ".Success", total.Successes);
                writer.WriteNumber(total.Api + ".Latency", total.Requests == 0 ? 0 : total.Latency / 1000.0 / total.Requests);
            }

            writer.WriteEndObject();
            writer.Flush();
            buffer.WriteByte((byte)'\n');
        }

        buffer.Position = 0;
        await using var output = string.IsNullOrEmpty(_options.Path)
            ? Console.OpenStandardOutput()
            : new FileStream(_options.Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 4096, FileOptions.Asynchronous);
        await buffer.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
    }

    private static void Metric(Utf8JsonWriter writer, string name, string unit)
    {
        writer.WriteStartObject();
        writer.WriteString("Name", name);
        writer.WriteString("Unit", unit);
        writer.WriteEndObject();
    }
}
