using System.Text.Json.Serialization;

namespace KvsGateway.OriginSessions;

/// <summary>Source-generated serialization of pool entries as kept in Redis.</summary>
[JsonSerializable(typeof(PooledOriginSession))]
internal sealed partial class OriginSessionsJsonContext : JsonSerializerContext;
