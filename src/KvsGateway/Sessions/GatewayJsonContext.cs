using System.Text.Json.Serialization;
using KvsGateway.Auditing;

namespace KvsGateway.Sessions;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PlaybackSession))]
[JsonSerializable(typeof(AuditEvent))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
