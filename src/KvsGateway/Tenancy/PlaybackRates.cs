namespace KvsGateway.Tenancy;

/// <summary>Per-session playback request rates, per second; KVS's own limits by default.</summary>
public sealed class PlaybackRates
{
    public int ManifestsPerSecond { get; set; } = 5;

    public int InitFragmentsPerSecond { get; set; } = 5;

    public int MediaFragmentsPerSecond { get; set; } = 20;
}
