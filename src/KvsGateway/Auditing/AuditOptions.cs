namespace KvsGateway.Auditing;

/// <summary>Section <c>Audit</c>: where audit records go, one JSON object per line.</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    public bool Enabled { get; set; } = true;

    /// <summary>A file to append to; empty writes to standard output.</summary>
    public string? Path { get; set; }
}
