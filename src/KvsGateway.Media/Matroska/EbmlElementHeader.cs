namespace KvsGateway.Media.Matroska;

/// <summary>An element's ID and payload size (<see cref="EbmlStreamReader.UnknownSize"/> when not declared).</summary>
internal readonly record struct EbmlElementHeader(uint Id, long Size, long HeaderLength, long Offset)
{
    public bool IsUnknownSize => Size == EbmlStreamReader.UnknownSize;
}
