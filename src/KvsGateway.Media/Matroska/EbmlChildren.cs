namespace KvsGateway.Media.Matroska;

/// <summary>Iterates the child elements of an in-memory master element.</summary>
internal static class EbmlChildren
{
    public static List<EbmlChild> Parse(ReadOnlyMemory<byte> payload)
    {
        var children = new List<EbmlChild>();
        var span = payload.Span;
        var offset = 0;
        while (offset < span.Length)
        {
            var idStart = offset;
            var idLength = span[offset] == 0 ? 0 : System.Numerics.BitOperations.LeadingZeroCount((uint)span[offset]) - 23;
            if (idLength is 0 or > 4 || offset + idLength > span.Length)
            {
                throw new MatroskaFormatException("Invalid element ID inside a master element.");
            }

            uint id = 0;
            for (var i = 0; i < idLength; i++)
            {
                id = (id << 8) | span[offset + i];
            }

            offset += idLength;
            var size = EbmlStreamReader.ReadVint(span, ref offset);
            if (size < 0 || size > span.Length - offset)
            {
                throw new MatroskaFormatException($"Element 0x{id:X} at offset {idStart} overruns its parent.");
            }

            children.Add(new EbmlChild(id, payload.Slice(offset, (int)size)));
            offset += (int)size;
        }

        return children;
    }
}
