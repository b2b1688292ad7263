namespace KvsGateway.Kvs.Http;

/// <summary>Endpoint metadata: the KVS operation an endpoint answers (<see cref="Wire.KvsOperations"/>), for the steps that count or limit it.</summary>
public sealed record KvsOperationMetadata(string Name);
