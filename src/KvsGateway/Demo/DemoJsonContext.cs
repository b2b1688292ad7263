using System.Text.Json;
using System.Text.Json.Serialization;

namespace KvsGateway.Demo;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DemoSessionRequest))]
[JsonSerializable(typeof(DemoSession))]
[JsonSerializable(typeof(DemoUsage))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(IReadOnlyList<DemoTimelineFragment>))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;
