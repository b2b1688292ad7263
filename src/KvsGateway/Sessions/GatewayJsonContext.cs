using System.Text.Json.Serialization;

namespace KvsGateway.Sessions;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PlaybackSession))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
