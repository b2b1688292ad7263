using System.ComponentModel.DataAnnotations;

namespace KvsGateway.Demo;

/// <summary>Section <c>Demo</c>: a stream made ready at start-up so a new user has something to play.</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    public bool Enabled { get; set; }

    [RegularExpression("^[a-zA-Z0-9_.-]{1,256}$")]
    public string StreamName { get; set; } = "demo-stream";

    /// <summary>The tenant whose streams the demo page lists and for whom it opens sessions.</summary>
    [Required]
    public string Tenant { get; set; } = "demo";

    /// <summary>Matroska sample ingested through PutMedia, relative to the application folder.</summary>
    public string SampleFile { get; set; } = "media/demo-stream.mkv";

    /// <summary>The live loop adds a fragment every 2 s; two hours keep the disk small.</summary>
    [Range(1, 87_600)]
    public int DataRetentionInHours { get; set; } = 2;
}
