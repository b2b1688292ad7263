using System.Text.Json.Serialization;

namespace KvsGateway.Kvs.Errors;

/// <summary>The JSON body of a KVS error. SDKs differ in which spelling they read, so both are sent.</summary>
public sealed class KvsErrorBody
{
    [JsonPropertyName("message")]
    public string? LowerMessage { get; set; }

    [JsonPropertyName("Message")]
    public string? Message { get; set; }

    [JsonPropertyName("__type")]
    public string? Type { get; set; }

    [JsonPropertyName("code")]
    public string? Code { get; set; }
}
