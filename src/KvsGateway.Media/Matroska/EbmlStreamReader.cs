using System.Buffers.Binary;

namespace KvsGateway.Media.Matroska;

/// <summary>
/// Reads EBML element headers and payloads from a forward-only stream through a small buffer,
/// so a chunked request body can be parsed as it arrives.
/// </summary>
internal sealed class EbmlStreamReader
{
    public const long UnknownSize = -1;

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public EbmlStreamReader(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>Bytes consumed from the input so far.</summary>
    public long Position { get; private set; }

    /// <summary>Reads an element header; returns null at a clean end of input.</summary>
    public async ValueTask<EbmlElementHeader?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        if (!await EnsureAsync(1, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var start = Position;
        var idLength = LengthOfVint(_buffer[_start]);
        if (idLength is 0 or > 4)
        {
            throw new MatroskaFormatException($"Invalid EBML element ID at byte {start}.");
        }

        await RequireAsync(idLength, cancellationToken).ConfigureAwait(false);
        uint id = 0;
        for (var i = 0; i < idLength; i++)
        {
            id = (id << 8) | _buffer[_start + i];
        }

        Consume(idLength);
        var size = await ReadVintAsync(allowUnknown: true, cancellationToken).ConfigureAwait(false);
        return new EbmlElementHeader(id, size, Position - start, start);
    }

    public async ValueTask<long> ReadVintAsync(bool allowUnknown, CancellationToken cancellationToken)
    {
        await RequireAsync(1, cancellationToken).ConfigureAwait(false);
        var length = LengthOfVint(_buffer[_start]);
        if (length == 0)
        {
            throw new MatroskaFormatException($"Invalid EBML size at byte {Position}.");
        }

        await RequireAsync(length, cancellationToken).ConfigureAwait(false);
        var value = ParseVint(_buffer.AsSpan(_start, length), out var allOnes);
        Consume(length);
        if (allOnes)
        {
            return allowUnknown ? UnknownSize : throw new MatroskaFormatException("Unknown size is not allowed here.");
        }

        return value;
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes into a new array.</summary>
    public async ValueTask<byte[]> ReadBytesAsync(long count, CancellationToken cancellationToken)
    {
        // A size field is only a claim: grow the buffer as bytes really arrive, so a hostile size
        // on a short input costs memory for what was sent, not for what was announced.
        const int Step = 1 << 20;
        var result = new byte[Math.Min(count, Step)];
        var filled = 0;
        while (filled < count)
        {
            if (filled == result.Length)
            {
                Array.Resize(ref result, (int)Math.Min(count, (long)result.Length * 2));
            }

            var chunk = result.AsMemory(filled, result.Length - filled);
            await ReadIntoAsync(chunk, cancellationToken).ConfigureAwait(false);
            filled += chunk.Length;
        }

        return result;
    }

    public async ValueTask ReadIntoAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var written = 0;
        var buffered = Math.Min(_end - _start, destination.Length);
        _buffer.AsMemory(_start, buffered).CopyTo(destination);
        Consume(buffered);
        written += buffered;
        while (written < destination.Length)
        {
            var read = await _stream.ReadAsync(destination[written..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new MatroskaFormatException(MatroskaError.Truncated, "The input ended inside an element.");
            }

            written += read;
            Position += read;
        }
    }

    public async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_end == _start && !await EnsureAsync(1, cancellationToken).ConfigureAwait(false))
            {
                throw new MatroskaFormatException(MatroskaError.Truncated, "The input ended inside an element.");
            }

            var step = (int)Math.Min(count, _end - _start);
            Consume(step);
            count -= step;
        }
    }

    public static ulong ReadUnsigned(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > 8)
        {
            throw new MatroskaFormatException("Unsigned integer element longer than 8 bytes.");
        }

        ulong value = 0;
        foreach (var b in payload)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    public static long ReadSigned(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 0)
        {
            return 0;
        }

        var value = ReadUnsigned(payload);
        var shift = 64 - (8 * payload.Length);
        return (long)(value << shift) >> shift;
    }

    public static double ReadFloat(ReadOnlySpan<byte> payload) => payload.Length switch
    {
        0 => 0,
        4 => BinaryPrimitives.ReadSingleBigEndian(payload),
        8 => BinaryPrimitives.ReadDoubleBigEndian(payload),
        _ => throw new MatroskaFormatException("Float element must be 4 or 8 bytes."),
    };

    /// <summary>Reads a variable-length integer from a span (used inside blocks and laces).</summary>
    public static long ReadVint(ReadOnlySpan<byte> data, ref int offset)
    {
        if (offset >= data.Length)
        {
            throw new MatroskaFormatException("Block ended inside a variable-length integer.");
        }

        var length = LengthOfVint(data[offset]);
        if (length == 0 || offset + length > data.Length)
        {
            throw new MatroskaFormatException("Invalid variable-length integer in a block.");
        }

        var value = ParseVint(data.Slice(offset, length), out _);
        offset += length;
        return value;
    }

    private static int LengthOfVint(byte first) => first == 0 ? 0 : System.Numerics.BitOperations.LeadingZeroCount((uint)first) - 23;

    private static long ParseVint(ReadOnlySpan<byte> bytes, out bool allOnes)
    {
        var length = bytes.Length;
        long value = bytes[0] & (0xFF >> length);
        allOnes = value == (0xFF >> length);
        for (var i = 1; i < length; i++)
        {
            allOnes &= bytes[i] == 0xFF;
            value = (value << 8) | bytes[i];
        }

        return value;
    }

    private void Consume(int count)
    {
        _start += count;
        Position += count;
    }

    private async ValueTask RequireAsync(int count, CancellationToken cancellationToken)
    {
        if (!await EnsureAsync(count, cancellationToken).ConfigureAwait(false))
        {
            throw new MatroskaFormatException(MatroskaError.Truncated, "The input ended inside an element header.");
        }
    }

    private async ValueTask<bool> EnsureAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        while (_end < count)
        {
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            _end += read;
        }

        return true;
    }
}
