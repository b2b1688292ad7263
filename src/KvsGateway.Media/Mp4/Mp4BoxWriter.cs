using System.Buffers.Binary;
using System.Text;

namespace KvsGateway.Media.Mp4;

/// <summary>Writes ISO BMFF boxes into a growable buffer; box sizes are patched when a box ends.</summary>
internal sealed class Mp4BoxWriter
{
    private byte[] _buffer;

    public Mp4BoxWriter(int capacity = 1024)
    {
        _buffer = new byte[capacity];
    }

    public int Length { get; private set; }

    public int StartBox(string type)
    {
        var start = Length;
        WriteUInt32(0);
        WriteFourCc(type);
        return start;
    }

    public int StartFullBox(string type, byte version, uint flags)
    {
        var start = StartBox(type);
        WriteUInt32(((uint)version << 24) | (flags & 0xFFFFFF));
        return start;
    }

    public void EndBox(int start) => BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(start), (uint)(Length - start));

    public void PatchUInt32(int offset, uint value) => BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(offset), value);

    public void WriteFourCc(string type)
    {
        var span = Reserve(4);
        Encoding.ASCII.GetBytes(type, span);
    }

    public void WriteUInt8(byte value) => Reserve(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Reserve(8), value);

    public void WriteZeros(int count) => Reserve(count).Clear();

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public byte[] ToArray() => _buffer.AsSpan(0, Length).ToArray();

    private Span<byte> Reserve(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }

        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }
}
