using System.Buffers.Binary;
using System.Text;

namespace KvsGateway.Testing;

/// <summary>A minimal ISO BMFF reader for checking what the writer produced.</summary>
internal sealed record Box(string Type, int Offset, int Size, byte[] Source)
{
    public ReadOnlySpan<byte> Payload => Source.AsSpan(Offset + 8, Size - 8);

    public static List<Box> ReadAll(byte[] source, int offset, int end)
    {
        var boxes = new List<Box>();
        while (offset + 8 <= end)
        {
            var size = (int)BinaryPrimitives.ReadUInt32BigEndian(source.AsSpan(offset));
            var type = Encoding.ASCII.GetString(source, offset + 4, 4);
            Assert.True(size >= 8 && offset + size <= end, $"box {type} at {offset} has size {size}");
            boxes.Add(new Box(type, offset, size, source));
            offset += size;
        }

        Assert.Equal(end, offset);
        return boxes;
    }

    public List<Box> Children(int skip = 0) => ReadAll(Source, Offset + 8 + skip, Offset + Size);

    public Box Child(string type, int skip = 0) => Children(skip).Single(b => b.Type == type);
}
