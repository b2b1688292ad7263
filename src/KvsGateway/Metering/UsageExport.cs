using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using KvsGateway.Kvs.Errors;
using KvsGateway.Tenancy;
using StackExchange.Redis;

namespace KvsGateway.Metering;

/// <summary>
/// The billing export: usage per tenant, stream, API and hour or day, read from the per-tenant hour
/// hashes and written as it is read (JSON array or CSV), one period at a time, so a month of data
/// never sits in memory.
/// </summary>
public sealed class UsageExport
{
    private readonly IConnectionMultiplexer _redis;
    private readonly TenantDirectory _tenants;

    public UsageExport(IConnectionMultiplexer redis, TenantDirectory tenants)
    {
        _redis = redis;
        _tenants = tenants;
    }

    /// <summary>Usage per tenant, stream, API and period, written to <paramref name="output"/> as it is read from Redis.</summary>
    public async Task WriteUsageAsync(UsageExportRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        var tenants = await TenantsAsync(request.Tenant).ConfigureAwait(false);
        var step = request.Daily ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
        var from = request.From;
        var start = request.Daily
            ? new DateTimeOffset(from.UtcDateTime.Date, TimeSpan.Zero)
            : new DateTimeOffset(from.Year, from.Month, from.Day, from.Hour, 0, 0, TimeSpan.Zero);
        var stream = request.Stream ?? string.Empty;

        await using var json = request.Csv ? null : new Utf8JsonWriter(output);
        json?.WriteStartArray();
        if (request.Csv)
        {
            await WriteTextAsync(output, "tenant,stream,api,period,bytes,requests,successes\n", cancellationToken).ConfigureAwait(false);
        }

        var db = _redis.GetDatabase();
        foreach (var tenant in tenants)
        {
            for (var period = start; period < request.To; period += step)
            {
                var rows = await ReadPeriodAsync(db, tenant, period, step, stream).ConfigureAwait(false);
                foreach (var ((rowStream, api), totals) in rows.OrderBy(r => r.Key.Stream, StringComparer.Ordinal).ThenBy(r => r.Key.Api, StringComparer.Ordinal))
                {
                    if (json is not null)
                    {
                        json.WriteStartObject();
                        json.WriteString("tenant", tenant);
                        json.WriteString("stream", rowStream);
                        json.WriteString("api", api);
                        json.WriteString("period", period.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                        json.WriteNumber("bytes", totals.Bytes);
                        json.WriteNumber("requests", totals.Requests);
                        json.WriteNumber("successes", totals.Successes);
                        json.WriteEndObject();
                    }
                    else
                    {
                        await WriteTextAsync(output, string.Create(CultureInfo.InvariantCulture,
                            $"{Csv(tenant)},{Csv(rowStream)},{Csv(api)},{period.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'},{totals.Bytes},{totals.Requests},{totals.Successes}\n"), cancellationToken).ConfigureAwait(false);
                    }
                }

                if (json is not null)
                {
                    await json.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if (json is not null)
        {
            json.WriteEndArray();
            await json.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The viewer records of one tenant (optionally one stream) in the range, in delivery order, read
    /// from the hour lists a thousand at a time and written as they are read.
    /// </summary>
    public async Task WriteViewersAsync(UsageExportRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        var tenant = (await TenantsAsync(request.Tenant ?? throw KvsException.InvalidArgument("tenant is required.")).ConfigureAwait(false))[0];
        var stream = request.Stream ?? string.Empty;
        await using var json = request.Csv ? null : new Utf8JsonWriter(output);
        json?.WriteStartArray();
        if (request.Csv)
        {
            await WriteTextAsync(output, "time,tenant,stream,session,fragment_number,track,sequence_number,bytes\n", cancellationToken).ConfigureAwait(false);
        }

        var db = _redis.GetDatabase();
        var from = request.From;
        for (var hour = new DateTimeOffset(from.Year, from.Month, from.Day, from.Hour, 0, 0, TimeSpan.Zero); hour < request.To; hour = hour.AddHours(1))
        {
            var key = UsageKeys.TenantHourViewers(tenant, hour);
            for (long start = 0; ; start += 1000)
            {
                var chunk = await db.ListRangeAsync(key, start, start + 999).ConfigureAwait(false);
                foreach (var item in chunk)
                {
                    var record = JsonSerializer.Deserialize(item.ToString(), MeteringJsonContext.Default.ViewerRecord);
                    if (record is null || record.Time < request.From || record.Time >= request.To || (stream.Length > 0 && record.Stream != stream))
                    {
                        continue;
                    }

                    if (json is not null)
                    {
                        JsonSerializer.Serialize(json, record, MeteringJsonContext.Default.ViewerRecord);
                    }
                    else
                    {
                        await WriteTextAsync(output, string.Create(CultureInfo.InvariantCulture,
                            $"{record.Time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'},{Csv(record.Tenant)},{Csv(record.Stream)},{Csv(record.SessionId)},{Csv(record.FragmentNumber ?? string.Empty)},{record.Track},{record.SequenceNumber},{record.Bytes}\n"), cancellationToken).ConfigureAwait(false);
                    }
                }

                if (json is not null)
                {
                    await json.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                if (chunk.Length < 1000)
                {
                    break;
                }
            }
        }

        if (json is not null)
        {
            json.WriteEndArray();
            await json.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task WriteTextAsync(PipeWriter output, string text, CancellationToken cancellationToken) =>
        await output.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);

    private static async Task<Dictionary<(string Stream, string Api), (long Bytes, long Requests, long Successes)>> ReadPeriodAsync(IDatabase db, string tenant, DateTimeOffset period, TimeSpan step, string stream)
    {
        var hours = new List<Task<HashEntry[]>>();
        for (var hour = period; hour < period + step; hour = hour.AddHours(1))
        {
            hours.Add(db.HashGetAllAsync(UsageKeys.TenantHourUsage(tenant, hour)));
        }

        var rows = new Dictionary<(string, string), (long Bytes, long Requests, long Successes)>();
        foreach (var entry in (await Task.WhenAll(hours).ConfigureAwait(false)).SelectMany(h => h))
        {
            var parts = entry.Name.ToString().Split('|');
            if (parts.Length != 3 || (stream.Length > 0 && parts[0] != stream))
            {
                continue;
            }

            var value = (long)entry.Value;
            var key = (parts[0], parts[1]);
            var current = rows.GetValueOrDefault(key);
            rows[key] = parts[2] switch
            {
                "OutgoingBytes" => current with { Bytes = current.Bytes + value },
                "Requests" => current with { Requests = current.Requests + value },
                "Success" => current with { Successes = current.Successes + value },
                _ => current,
            };
        }

        return rows;
    }

    /// <summary>
    /// The tenants to export: the one asked for, which must be configured or have usage (its name
    /// becomes part of Redis keys), or all of them.
    /// </summary>
    private async Task<IReadOnlyList<string>> TenantsAsync(string? tenant)
    {
        if (!string.IsNullOrEmpty(tenant))
        {
            return _tenants.FindByName(tenant) is not null || await _redis.GetDatabase().SetContainsAsync(UsageKeys.UsageTenants, tenant).ConfigureAwait(false)
                ? [tenant]
                : throw KvsException.ResourceNotFound("No tenant of that name has usage.");
        }

        var withUsage = await _redis.GetDatabase().SetMembersAsync(UsageKeys.UsageTenants).ConfigureAwait(false);
        return [.. withUsage.Select(v => v.ToString()).Concat(_tenants.All.Select(t => t.Name)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// A CSV cell: a value a spreadsheet would read as a formula (starting with <c>=</c>, <c>+</c>,
    /// <c>-</c>, <c>@</c>, a tab or a carriage return) is prefixed with a quote mark, then quoted
    /// when it holds a separator, a quote or a line break.
    /// </summary>
    internal static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\n\r") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
