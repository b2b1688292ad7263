namespace KvsGateway.Metering;

/// <summary><c>Metering:Emf</c>: CloudWatch Embedded Metric Format output.</summary>
public sealed class EmfOptions
{
    public bool Enabled { get; set; }

    /// <summary>A file to append to; empty writes to standard output (where the CloudWatch agent or a log shipper reads it).</summary>
    public string? Path { get; set; }

    /// <summary>The CloudWatch namespace. <c>AWS/</c> namespaces are reserved for AWS, hence our own.</summary>
    public string Namespace { get; set; } = "KvsGateway/KinesisVideo";
}
