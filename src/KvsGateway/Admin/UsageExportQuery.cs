using System.Globalization;
using KvsGateway.Kvs.Errors;
using KvsGateway.Metering;
using Microsoft.Extensions.Primitives;

namespace KvsGateway.Admin;

/// <summary>
/// The query of <c>/admin/usage</c> and <c>/admin/viewer-records</c>: <c>tenant</c>, <c>stream</c>,
/// <c>from</c> and <c>to</c> (ISO 8601; the month's start and now by default, at most 400 days
/// apart), <c>granularity=hour|day</c>, <c>format=json|csv</c>.
/// </summary>
public static class UsageExportQuery
{
    private static readonly TimeSpan MaxRange = TimeSpan.FromDays(400);

    public static UsageExportRequest Parse(IQueryCollection query, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(query);
        var from = Time(query["from"], "from") ?? new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var to = Time(query["to"], "to") ?? now;
        if (to <= from || to - from > MaxRange)
        {
            throw KvsException.InvalidArgument("to must be after from, at most 400 days later.");
        }

        var format = query["format"].ToString() is { Length: > 0 } f ? f : "json";
        if (format is not ("json" or "csv"))
        {
            throw KvsException.InvalidArgument("format must be json or csv.");
        }

        var granularity = query["granularity"].ToString() is { Length: > 0 } g ? g : "hour";
        if (granularity is not ("hour" or "day"))
        {
            throw KvsException.InvalidArgument("granularity must be hour or day.");
        }

        return new UsageExportRequest(
            query["tenant"].ToString() is { Length: > 0 } tenant ? tenant : null,
            query["stream"].ToString() is { Length: > 0 } stream ? stream : null,
            from,
            to,
            Daily: granularity == "day",
            Csv: format == "csv");
    }

    private static DateTimeOffset? Time(StringValues value, string name)
    {
        if (value.Count == 0 || string.IsNullOrEmpty(value[0]))
        {
            return null;
        }

        return DateTimeOffset.TryParse(value[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw KvsException.InvalidArgument($"{name} must be an ISO 8601 time.");
    }
}
