namespace KvsGateway.Auditing;

/// <summary>Section <c>Audit</c>: where audit records go, one JSON object per line.</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>The <see cref="Path"/> that means standard output instead of a file.</summary>
    public const string StandardOutput = "stdout";

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A file of its own to append to (relative to the content root), apart from the application's
    /// logs; <c>stdout</c> writes to standard output, each record still one whole line.
    /// </summary>
    public string Path { get; set; } = "data/audit.jsonl";
}
