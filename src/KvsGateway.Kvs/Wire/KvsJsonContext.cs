using System.Text.Json.Serialization;

namespace KvsGateway.Kvs.Wire;

/// <summary>Source-generated serialization of every KVS wire type.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GetDataEndpointInput))]
[JsonSerializable(typeof(GetDataEndpointOutput))]
[JsonSerializable(typeof(GetDashStreamingSessionUrlInput))]
[JsonSerializable(typeof(GetDashStreamingSessionUrlOutput))]
[JsonSerializable(typeof(GetHlsStreamingSessionUrlInput))]
[JsonSerializable(typeof(GetHlsStreamingSessionUrlOutput))]
[JsonSerializable(typeof(GetClipInput))]
[JsonSerializable(typeof(ListFragmentsInput))]
[JsonSerializable(typeof(ListFragmentsOutput))]
[JsonSerializable(typeof(CreateStreamInput))]
[JsonSerializable(typeof(CreateStreamOutput))]
[JsonSerializable(typeof(DescribeStreamInput))]
[JsonSerializable(typeof(DescribeStreamOutput))]
[JsonSerializable(typeof(PutMediaAck))]
[JsonSerializable(typeof(DeleteStreamInput))]
[JsonSerializable(typeof(ListStreamsInput))]
[JsonSerializable(typeof(ListStreamsOutput))]
[JsonSerializable(typeof(UpdateDataRetentionInput))]
[JsonSerializable(typeof(EmptyOutput))]
public sealed partial class KvsJsonContext : JsonSerializerContext;
