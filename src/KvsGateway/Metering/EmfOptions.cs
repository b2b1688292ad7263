namespace KvsGateway.Metering;

/// <summary><c>Metering:Emf</c>: CloudWatch Embedded Metric Format output.</summary>
public sealed class EmfOptions
{
    public bool Enabled { get; set; }

    /// <summary>A file to append to; empty writes to standard output (where the CloudWatch agent or a log shipper reads it).</summary>
    public string? Path { get; set; }

    /// <summary>The CloudWatch namespace. <c>AWS/</c> namespaces are reserved for AWS, hence our own.</summary>
    [System.ComponentModel.DataAnnotations.RegularExpression("^(?!AWS/)[^:]{1,255}$", ErrorMessage = "Metering:Emf:Namespace must not start with AWS/ (reserved for AWS) and has at most 255 characters.")]
    public string Namespace { get; set; } = "KvsGateway/KinesisVideo";
}
