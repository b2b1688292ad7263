using System.Buffers;
using System.Globalization;

namespace KvsGateway.OriginConnections;

/// <summary>
/// Decodes a chunked body (RFC 9112 7.1) as its bytes arrive, in whatever pieces: each call takes
/// what it can from the front of the input and says whether chunk data is there to copy. Chunk
/// extensions are skipped; trailer fields are read and dropped (nothing forwarded needs them).
/// </summary>
public struct ChunkedBodyDecoder
{
    // A size line or a trailer line longer than this is refused rather than buffered without end.
    private const int MaxLine = 4096;
    private const int MaxTrailers = OriginResponseHead.MaxBytes;

    private State _state;
    private long _remaining;
    private int _trailerBytes;

    private enum State
    {
        Size,
        Data,
        DataEnd,
        Trailers,
        Done,
    }

    public readonly bool IsDone => _state == State.Done;

    /// <summary>
    /// Takes from the front of <paramref name="input"/>: <paramref name="consumed"/> bytes were used,
    /// of which the first <paramref name="data"/> (when positive) are chunk data to pass on. Returns
    /// <see cref="OperationStatus.Done"/> at the end of the body, <see cref="OperationStatus.NeedMoreData"/>
    /// when the rest of a line must arrive first (then nothing is consumed), otherwise
    /// <see cref="OperationStatus.DestinationTooSmall"/> to say "call again with the rest".
    /// </summary>
    /// <exception cref="OriginProtocolException">The bytes are not a chunked body.</exception>
    public OperationStatus Decode(ReadOnlySpan<byte> input, out int consumed, out int data)
    {
        consumed = 0;
        data = 0;
        switch (_state)
        {
            case State.Size:
            {
                var lineEnd = input.IndexOf("\r\n"u8);
                if (lineEnd < 0)
                {
                    return input.Length >= MaxLine ? throw new OriginProtocolException("The origin's chunk size line is too long.") : OperationStatus.NeedMoreData;
                }

                var line = input[..lineEnd];
                var extension = line.IndexOf((byte)';');
                var digits = (extension >= 0 ? line[..extension] : line).TrimEnd(" \t"u8);
                if (digits.Length is 0 or > 15 || !long.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size))
                {
                    throw new OriginProtocolException("The origin sent an invalid chunk size.");
                }

                consumed = lineEnd + 2;
                _remaining = size;
                _state = size == 0 ? State.Trailers : State.Data;
                return OperationStatus.DestinationTooSmall;
            }

            case State.Data:
                data = (int)Math.Min(_remaining, input.Length);
                consumed = data;
                _remaining -= data;
                if (_remaining == 0)
                {
                    _state = State.DataEnd;
                }

                return data == 0 ? OperationStatus.NeedMoreData : OperationStatus.DestinationTooSmall;

            case State.DataEnd:
                if (input.Length < 2)
                {
                    return OperationStatus.NeedMoreData;
                }

                if (input[0] != (byte)'\r' || input[1] != (byte)'\n')
                {
                    throw new OriginProtocolException("The origin's chunk data does not end where its size says.");
                }

                consumed = 2;
                _state = State.Size;
                return OperationStatus.DestinationTooSmall;

            case State.Trailers:
            {
                var lineEnd = input.IndexOf("\r\n"u8);
                if (lineEnd < 0)
                {
                    return input.Length >= MaxLine ? throw new OriginProtocolException("The origin's trailer line is too long.") : OperationStatus.NeedMoreData;
                }

                consumed = lineEnd + 2;
                _trailerBytes += consumed;
                if (_trailerBytes > MaxTrailers)
                {
                    throw new OriginProtocolException("The origin's trailers are too long.");
                }

                if (lineEnd == 0)
                {
                    _state = State.Done;
                    return OperationStatus.Done;
                }

                return OperationStatus.DestinationTooSmall;
            }

            default:
                return OperationStatus.Done;
        }
    }
}
