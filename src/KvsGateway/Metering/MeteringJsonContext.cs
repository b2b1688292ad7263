using System.Text.Json.Serialization;

namespace KvsGateway.Metering;

[JsonSerializable(typeof(ViewerRecord))]
internal sealed partial class MeteringJsonContext : JsonSerializerContext;
