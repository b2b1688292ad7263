using System.Text.Json.Serialization;

namespace KvsGateway.Kvs.Wire;

/// <summary>A time range of a fragment selector (DASH and ListFragments use the same shape).</summary>
public sealed class TimestampRange
{
    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset? StartTimestamp { get; set; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset? EndTimestamp { get; set; }
}
