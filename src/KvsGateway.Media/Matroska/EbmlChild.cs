namespace KvsGateway.Media.Matroska;

internal readonly record struct EbmlChild(uint Id, ReadOnlyMemory<byte> Payload);
