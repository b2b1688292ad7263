namespace KvsGateway.Kvs.Validation;

/// <summary>The wire spellings of the enums KVS uses.</summary>
public static class WireValues
{
    public const string Always = "ALWAYS";
    public const string Never = "NEVER";

    public static string ToWire(this PlaybackMode mode) => mode switch
    {
        PlaybackMode.Live => "LIVE",
        PlaybackMode.LiveReplay => "LIVE_REPLAY",
        _ => "ON_DEMAND",
    };

    public static string ToWire(this FragmentSelectorKind kind) =>
        kind == FragmentSelectorKind.ServerTimestamp ? "SERVER_TIMESTAMP" : "PRODUCER_TIMESTAMP";

    public static string ToWire(this HlsContainerFormat format) =>
        format == HlsContainerFormat.MpegTs ? "MPEG_TS" : "FRAGMENTED_MP4";

    public static string ToWire(this HlsDiscontinuityMode mode) => mode switch
    {
        HlsDiscontinuityMode.Always => Always,
        HlsDiscontinuityMode.Never => Never,
        _ => "ON_DISCONTINUITY",
    };

    public static bool TryParsePlaybackMode(string value, out PlaybackMode mode)
    {
        (var ok, mode) = value switch
        {
            "LIVE" => (true, PlaybackMode.Live),
            "LIVE_REPLAY" => (true, PlaybackMode.LiveReplay),
            "ON_DEMAND" => (true, PlaybackMode.OnDemand),
            _ => (false, PlaybackMode.Live),
        };
        return ok;
    }

    public static bool TryParseSelector(string value, out FragmentSelectorKind kind)
    {
        (var ok, kind) = value switch
        {
            "SERVER_TIMESTAMP" => (true, FragmentSelectorKind.ServerTimestamp),
            "PRODUCER_TIMESTAMP" => (true, FragmentSelectorKind.ProducerTimestamp),
            _ => (false, FragmentSelectorKind.ServerTimestamp),
        };
        return ok;
    }
}
