using System.Text.Json.Serialization;

namespace KvsGateway.Sessions;

/// <summary>Source-generated serialization of sessions as kept in Redis.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(PlaybackSession))]
internal sealed partial class SessionsJsonContext : JsonSerializerContext;
