namespace KvsGateway.Demo;

/// <summary>Section <c>Demo</c>: a stream made ready at start-up so a new user has something to play.</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    public bool Enabled { get; set; }

    public string StreamName { get; set; } = "demo-stream";

    /// <summary>The tenant whose streams the demo page lists and for whom it opens sessions.</summary>
    public string Tenant { get; set; } = "demo";

    /// <summary>Matroska sample ingested through PutMedia, relative to the application folder.</summary>
    public string SampleFile { get; set; } = "media/demo-stream.mkv";

    /// <summary>The live loop adds a fragment every 2 s; two hours keep the disk small.</summary>
    public int DataRetentionInHours { get; set; } = 2;
}
