using System.Text.Json.Serialization;

namespace KvsGateway.Kvs.Wire;

public sealed class GetHlsStreamingSessionUrlOutput
{
    [JsonPropertyName("HLSStreamingSessionURL")]
    public string? HlsStreamingSessionUrl { get; set; }
}
