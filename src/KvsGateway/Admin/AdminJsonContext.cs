using System.Text.Json;
using System.Text.Json.Serialization;

namespace KvsGateway.Admin;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IReadOnlyList<TenantSummary>))]
[JsonSerializable(typeof(IReadOnlyList<SessionSummary>))]
[JsonSerializable(typeof(QuotaUse))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
