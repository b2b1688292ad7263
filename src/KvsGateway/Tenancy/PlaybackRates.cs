namespace KvsGateway.Tenancy;

/// <summary>Per-session playback request rates, per second; KVS's own limits by default.</summary>
public sealed class PlaybackRates
{
    public const int KvsManifestsPerSecond = 5;
    public const int KvsInitFragmentsPerSecond = 5;
    public const int KvsMediaFragmentsPerSecond = 20;

    public int ManifestsPerSecond { get; set; } = KvsManifestsPerSecond;

    public int InitFragmentsPerSecond { get; set; } = KvsInitFragmentsPerSecond;

    public int MediaFragmentsPerSecond { get; set; } = KvsMediaFragmentsPerSecond;
}
