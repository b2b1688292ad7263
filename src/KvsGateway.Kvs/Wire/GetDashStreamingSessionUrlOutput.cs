using System.Text.Json.Serialization;

namespace KvsGateway.Kvs.Wire;

public sealed class GetDashStreamingSessionUrlOutput
{
    [JsonPropertyName("DASHStreamingSessionURL")]
    public string? DashStreamingSessionUrl { get; set; }
}
