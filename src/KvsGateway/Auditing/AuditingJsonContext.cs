using System.Text.Json.Serialization;

namespace KvsGateway.Auditing;

/// <summary>Source-generated serialization of audit records.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AuditEvent))]
internal sealed partial class AuditingJsonContext : JsonSerializerContext;
