namespace KvsGateway.Metering;

/// <summary>Section <c>Metering</c>.</summary>
public sealed class MeteringOptions
{
    public const string SectionName = "Metering";

    /// <summary>
    /// Folder (relative to the content root) of this replica's usage journal and spool. One gateway
    /// per folder: it is locked while the gateway runs.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Required]
    public string Path { get; set; } = "data/metering";

    /// <summary>A record per media fragment per viewer (session, KVS fragment number, track, bytes, time), exported like usage.</summary>
    public bool ViewerRecords { get; set; }

    /// <summary>
    /// Distinct stream labels per tenant in metrics (Prometheus, OTLP); further streams are counted
    /// under <c>(other)</c>. Usage and billing keep every stream.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100_000)]
    public int MaxStreamLabelsPerTenant { get; set; } = 1000;

}
