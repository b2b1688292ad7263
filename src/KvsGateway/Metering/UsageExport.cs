using System.Globalization;
using System.Text.Json;
using KvsGateway.Kvs.Errors;
using KvsGateway.Sessions;
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
    private static readonly TimeSpan MaxRange = TimeSpan.FromDays(400);

    private readonly IConnectionMultiplexer _redis;
    private readonly TenantDirectory _tenants;
    private readonly TimeProvider _time;

    public UsageExport(IConnectionMultiplexer redis, TenantDirectory tenants, TimeProvider time)
    {
        _redis = redis;
        _tenants = tenants;
        _time = time;
    }

    public async Task WriteAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        var (from, to, format) = ParseRange(query);
        var granularity = query["granularity"].ToString() is { Length: > 0 } g ? g : "hour";
        if (granularity is not ("hour" or "day"))
        {
            throw KvsException.InvalidArgument("granularity must be hour or day.");
        }

        var stream = query["stream"].ToString();
        var tenants = await TenantsAsync(query["tenant"].ToString()).ConfigureAwait(false);
        var response = context.Response;
        response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/json";
        var step = granularity == "day" ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
        var start = granularity == "day"
            ? new DateTimeOffset(from.UtcDateTime.Date, TimeSpan.Zero)
            : new DateTimeOffset(from.Year, from.Month, from.Day, from.Hour, 0, 0, TimeSpan.Zero);

        await using var json = format == "json" ? new Utf8JsonWriter(response.BodyWriter) : null;
        json?.WriteStartArray();
        if (format == "csv")
        {
            await response.WriteAsync("tenant,stream,api,period,bytes,requests,successes\n", context.RequestAborted).ConfigureAwait(false);
        }

        var db = _redis.GetDatabase();
        foreach (var tenant in tenants)
        {
            for (var period = start; period < to; period += step)
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
                        var line = string.Create(CultureInfo.InvariantCulture,
                            $"{Csv(tenant)},{Csv(rowStream)},{Csv(api)},{period.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'},{totals.Bytes},{totals.Requests},{totals.Successes}\n");
                        await response.WriteAsync(line, context.RequestAborted).ConfigureAwait(false);
                    }
                }

                if (json is not null)
                {
                    await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                }
            }
        }

        if (json is not null)
        {
            json.WriteEndArray();
            await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The viewer records of one tenant (optionally one stream) between from and to, in delivery
    /// order, read from the hour lists a thousand at a time and written as they are read.
    /// </summary>
    public async Task WriteViewersAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        var (from, to, format) = ParseRange(query);
        var tenant = query["tenant"].ToString();
        if (tenant.Length == 0)
        {
            throw KvsException.InvalidArgument("tenant is required.");
        }

        tenant = (await TenantsAsync(tenant).ConfigureAwait(false))[0];

        var stream = query["stream"].ToString();
        var response = context.Response;
        response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/json";
        await using var json = format == "json" ? new Utf8JsonWriter(response.BodyWriter) : null;
        json?.WriteStartArray();
        if (format == "csv")
        {
            await response.WriteAsync("time,tenant,stream,session,fragment_number,track,sequence_number,bytes\n", context.RequestAborted).ConfigureAwait(false);
        }

        var db = _redis.GetDatabase();
        for (var hour = new DateTimeOffset(from.Year, from.Month, from.Day, from.Hour, 0, 0, TimeSpan.Zero); hour < to; hour = hour.AddHours(1))
        {
            var key = RedisKeys.TenantHourViewers(tenant, hour);
            for (long start = 0; ; start += 1000)
            {
                var chunk = await db.ListRangeAsync(key, start, start + 999).ConfigureAwait(false);
                foreach (var item in chunk)
                {
                    var record = JsonSerializer.Deserialize(item.ToString(), MeteringJsonContext.Default.ViewerRecord);
                    if (record is null || record.Time < from || record.Time >= to || (stream.Length > 0 && record.Stream != stream))
                    {
                        continue;
                    }

                    if (json is not null)
                    {
                        JsonSerializer.Serialize(json, record, MeteringJsonContext.Default.ViewerRecord);
                    }
                    else
                    {
                        await response.WriteAsync(string.Create(CultureInfo.InvariantCulture,
                            $"{record.Time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'},{Csv(record.Tenant)},{Csv(record.Stream)},{Csv(record.SessionId)},{Csv(record.FragmentNumber ?? string.Empty)},{record.Track},{record.SequenceNumber},{record.Bytes}\n"), context.RequestAborted).ConfigureAwait(false);
                    }
                }

                if (json is not null)
                {
                    await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
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
            await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }

    private (DateTimeOffset From, DateTimeOffset To, string Format) ParseRange(IQueryCollection query)
    {
        var now = _time.GetUtcNow();
        var from = ParseTime(query["from"], "from") ?? new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var to = ParseTime(query["to"], "to") ?? now;
        var format = query["format"].ToString() is { Length: > 0 } f ? f : "json";
        if (format is not ("json" or "csv"))
        {
            throw KvsException.InvalidArgument("format must be json or csv.");
        }

        if (to <= from || to - from > MaxRange)
        {
            throw KvsException.InvalidArgument("to must be after from, at most 400 days later.");
        }

        return (from, to, format);
    }

    private static async Task<Dictionary<(string Stream, string Api), (long Bytes, long Requests, long Successes)>> ReadPeriodAsync(IDatabase db, string tenant, DateTimeOffset period, TimeSpan step, string stream)
    {
        var hours = new List<Task<HashEntry[]>>();
        for (var hour = period; hour < period + step; hour = hour.AddHours(1))
        {
            hours.Add(db.HashGetAllAsync(RedisKeys.TenantHourUsage(tenant, hour)));
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
    private async Task<IReadOnlyList<string>> TenantsAsync(string tenant)
    {
        if (tenant.Length > 0)
        {
            return _tenants.FindByName(tenant) is not null || await _redis.GetDatabase().SetContainsAsync(RedisKeys.UsageTenants, tenant).ConfigureAwait(false)
                ? [tenant]
                : throw KvsException.ResourceNotFound("No tenant of that name has usage.");
        }

        var withUsage = await _redis.GetDatabase().SetMembersAsync(RedisKeys.UsageTenants).ConfigureAwait(false);
        return [.. withUsage.Select(v => v.ToString()).Concat(_tenants.All.Select(t => t.Name)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    private static DateTimeOffset? ParseTime(Microsoft.Extensions.Primitives.StringValues value, string name)
    {
        if (value.Count == 0 || string.IsNullOrEmpty(value[0]))
        {
            return null;
        }

        return DateTimeOffset.TryParse(value[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw KvsException.InvalidArgument($"{name} must be an ISO 8601 time.");
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
