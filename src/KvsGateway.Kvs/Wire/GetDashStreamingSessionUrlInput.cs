using System.Text.Json.Serialization;

namespace KvsGateway.Kvs.Wire;

public sealed class GetDashStreamingSessionUrlInput
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    public string? PlaybackMode { get; set; }

    public string? DisplayFragmentTimestamp { get; set; }

    public string? DisplayFragmentNumber { get; set; }

    [JsonPropertyName("DASHFragmentSelector")]
    public FragmentSelector? DashFragmentSelector { get; set; }

    public int? Expires { get; set; }

    public long? MaxManifestFragmentResults { get; set; }
}
