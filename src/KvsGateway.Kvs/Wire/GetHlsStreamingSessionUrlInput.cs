using System.Text.Json.Serialization;

namespace KvsGateway.Kvs.Wire;

public sealed class GetHlsStreamingSessionUrlInput
{
    public string? StreamName { get; set; }

    public string? StreamARN { get; set; }

    public string? PlaybackMode { get; set; }

    [JsonPropertyName("HLSFragmentSelector")]
    public FragmentSelector? HlsFragmentSelector { get; set; }

    public string? ContainerFormat { get; set; }

    public string? DiscontinuityMode { get; set; }

    public string? DisplayFragmentTimestamp { get; set; }

    public int? Expires { get; set; }

    public long? MaxMediaPlaylistFragmentResults { get; set; }
}
