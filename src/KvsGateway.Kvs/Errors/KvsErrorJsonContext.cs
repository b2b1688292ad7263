using System.Text.Json.Serialization;

namespace KvsGateway.Kvs.Errors;

/// <summary>Source-generated serialization of the KVS error body.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KvsErrorBody))]
public sealed partial class KvsErrorJsonContext : JsonSerializerContext;
