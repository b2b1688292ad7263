using System.Text.Json.Serialization;

namespace KvsGateway.Emulator.Storage;

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(StreamRecord))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext;
