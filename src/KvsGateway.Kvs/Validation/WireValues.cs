namespace KvsGateway.Kvs.Validation;

/// <summary>The wire spellings of the enums KVS uses.</summary>
public static class WireValues
{
    public const string Always = "ALWAYS";
    public const string Never = "NEVER";

    public static string ToWire(this DashPlaybackMode mode) => mode switch
    {
        DashPlaybackMode.Live => "LIVE",
        DashPlaybackMode.LiveReplay => "LIVE_REPLAY",
        _ => "ON_DEMAND",
    };

    public static string ToWire(this FragmentSelectorKind kind) =>
        kind == FragmentSelectorKind.ServerTimestamp ? "SERVER_TIMESTAMP" : "PRODUCER_TIMESTAMP";

    public static bool TryParsePlaybackMode(string value, out DashPlaybackMode mode)
    {
        (var ok, mode) = value switch
        {
            "LIVE" => (true, DashPlaybackMode.Live),
            "LIVE_REPLAY" => (true, DashPlaybackMode.LiveReplay),
            "ON_DEMAND" => (true, DashPlaybackMode.OnDemand),
            _ => (false, DashPlaybackMode.Live),
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
