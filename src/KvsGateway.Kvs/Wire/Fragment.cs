using System.Text.Json.Serialization;

namespace KvsGateway.Kvs.Wire;

/// <summary>One entry of ListFragments.</summary>
public sealed class Fragment
{
    public string? FragmentNumber { get; set; }

    public long FragmentSizeInBytes { get; set; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset ProducerTimestamp { get; set; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset ServerTimestamp { get; set; }

    public long FragmentLengthInMilliseconds { get; set; }
}
