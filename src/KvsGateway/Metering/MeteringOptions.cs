namespace KvsGateway.Metering;

/// <summary>Section <c>Metering</c>.</summary>
public sealed class MeteringOptions
{
    public const string SectionName = "Metering";

    /// <summary>
    /// Folder (relative to the content root) of this replica's usage journal and spool. One gateway
    /// per folder: it is locked while the gateway runs.
    /// </summary>
    public string Path { get; set; } = "data/metering";

    /// <summary>A record per media fragment per viewer (session, KVS fragment number, track, bytes, time), exported like usage.</summary>
    public bool ViewerRecords { get; set; }

    /// <summary>CloudWatch Embedded Metric Format lines, one per tenant and stream per flush.</summary>
    public EmfOptions Emf { get; set; } = new();
}
