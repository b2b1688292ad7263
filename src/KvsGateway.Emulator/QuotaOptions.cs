namespace KvsGateway.Emulator;

/// <summary>Section <c>Emulator:Quotas</c>: the KVS playback limits, per second.</summary>
public sealed class QuotaOptions
{
    public int SessionUrlsPerStream { get; set; } = 25;

    public int ManifestsPerSession { get; set; } = 5;

    public int InitFragmentsPerSession { get; set; } = 5;

    public int MediaFragmentsPerSession { get; set; } = 20;

    public int MetadataPointsPerStream { get; set; } = 10_000;

    public int MediaPointsPerStream { get; set; } = 500;
}
