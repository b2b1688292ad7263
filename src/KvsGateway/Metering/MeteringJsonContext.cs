using System.Text.Json.Serialization;

namespace KvsGateway.Metering;

[JsonSerializable(typeof(UsageBatchDocument))]
internal sealed partial class MeteringJsonContext : JsonSerializerContext;
