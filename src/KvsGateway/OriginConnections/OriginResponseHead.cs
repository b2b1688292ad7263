using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace KvsGateway.OriginConnections;

/// <summary>
/// The status line and header fields of an origin's HTTP/1.1 answer (RFC 9112), with what framing
/// the body has: a length, chunks, or until the origin closes. Only what forwarding needs is kept;
/// anything this parser cannot frame with certainty is refused, never guessed.
/// </summary>
public sealed class OriginResponseHead
{
    /// <summary>A head larger than this is refused: KVS answers carry a handful of fields.</summary>
    public const int MaxBytes = 16 * 1024;

    private const int MaxFields = 100;

    private readonly List<KeyValuePair<string, string>> _fields = [];

    // HTTP/1.0 answers close their connection unless they say keep-alive.
    private readonly bool _http10;

    private OriginResponseHead(int statusCode, bool http10)
    {
        StatusCode = statusCode;
        _http10 = http10;
        KeepAlive = !http10;
    }

    public int StatusCode { get; }

    /// <summary>The body's length when the origin framed it with Content-Length (and not with chunks).</summary>
    public long? ContentLength { get; private set; }

    /// <summary>The body comes in chunks (Transfer-Encoding: chunked).</summary>
    public bool Chunked { get; private set; }

    /// <summary>The connection may carry another request once this answer's body is read.</summary>
    public bool KeepAlive { get; private set; }

    /// <summary>Every header field, names as sent, values without surrounding whitespace.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields => _fields;

    /// <summary>The first value of a field, by case-insensitive name; null when absent.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var field in _fields)
            {
                if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    return field.Value;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// Parses a head from the start of <paramref name="buffer"/>. Returns the bytes it took, up to
    /// and including the empty line, or 0 when the buffer does not hold the whole head yet.
    /// </summary>
    /// <exception cref="OriginProtocolException">The bytes are not an HTTP/1.x answer this gateway can frame.</exception>
    public static int TryParse(ReadOnlySpan<byte> buffer, out OriginResponseHead? head)
    {
        head = null;
        var end = buffer.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            if (buffer.Length >= MaxBytes)
            {
                throw new OriginProtocolException($"The origin's answer head is longer than {MaxBytes} bytes.");
            }

            return 0;
        }

        if (end + 4 > MaxBytes)
        {
            throw new OriginProtocolException($"The origin's answer head is longer than {MaxBytes} bytes.");
        }

        var text = buffer[..(end + 2)];
        var lineEnd = text.IndexOf("\r\n"u8);
        var parsed = ParseStatusLine(text[..lineEnd]);
        text = text[(lineEnd + 2)..];
        var fields = 0;
        string? transferEncoding = null;
        while (!text.IsEmpty)
        {
            lineEnd = text.IndexOf("\r\n"u8);
            var line = text[..lineEnd];
            text = text[(lineEnd + 2)..];
            if (++fields > MaxFields)
            {
                throw new OriginProtocolException($"The origin's answer has more than {MaxFields} header fields.");
            }

            var (name, value) = ParseField(line);
            parsed._fields.Add(new(name, value));
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                // Digits only (no sign, no spaces within); repeated values must agree (RFC 9110 8.6).
                if (value.Length is 0 or > 18 || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                    || (parsed.ContentLength is { } earlier && earlier != length))
                {
                    throw new OriginProtocolException("The origin's answer has an invalid Content-Length.");
                }

                parsed.ContentLength = length;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                transferEncoding = transferEncoding is null ? value : transferEncoding + ", " + value;
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var option in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (option.Equals("close", StringComparison.OrdinalIgnoreCase))
                    {
                        parsed.KeepAlive = false;
                    }
                    else if (option.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) && parsed._http10)
                    {
                        parsed.KeepAlive = true;
                    }
                }
            }
        }

        if (transferEncoding is not null)
        {
            // Only "chunked" can be framed; a length beside it is ignored and the connection not
            // reused, as RFC 9112 6.3 asks of a message that has both.
            if (!transferEncoding.Trim().Equals("chunked", StringComparison.OrdinalIgnoreCase))
            {
                throw new OriginProtocolException("The origin's answer uses a transfer coding other than chunked.");
            }

            parsed.Chunked = true;
            if (parsed.ContentLength is not null)
            {
                parsed.ContentLength = null;
                parsed.KeepAlive = false;
            }
        }
        else if (parsed.ContentLength is null && !HasNoBody(parsed.StatusCode))
        {
            // Delimited by the origin closing the connection.
            parsed.KeepAlive = false;
        }

        head = parsed;
        return end + 4;
    }

    /// <summary>Statuses whose answers never carry a body (RFC 9112 6.3).</summary>
    public static bool HasNoBody(int statusCode) => statusCode is (>= 100 and < 200) or 204 or 304;

    private static OriginResponseHead ParseStatusLine(ReadOnlySpan<byte> line)
    {
        // HTTP/1.x SP 3DIGIT [SP reason]
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || (line[7] != (byte)'0' && line[7] != (byte)'1') || line[8] != (byte)' '
            || !Utf8Parser.TryParse(line.Slice(9, 3), out int status, out var consumed) || consumed != 3 || status < 100
            || (line.Length > 12 && line[12] != (byte)' '))
        {
            throw new OriginProtocolException("The origin's answer does not start with an HTTP/1.x status line.");
        }

        return new OriginResponseHead(status, http10: line[7] == (byte)'0');
    }

    private static (string Name, string Value) ParseField(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            throw new OriginProtocolException("The origin's answer has a malformed header field.");
        }

        var name = line[..colon];
        foreach (var b in name)
        {
            // A token (RFC 9110 5.6.2); this also refuses obsolete line folding and a space before the colon.
            if (b <= 0x20 || b >= 0x7F || "\"(),/:;<=>?@[\\]{}"u8.Contains(b))
            {
                throw new OriginProtocolException("The origin's answer has a malformed header field name.");
            }
        }

        var value = line[(colon + 1)..].Trim(" \t"u8);
        foreach (var b in value)
        {
            // Field values may hold visible characters, spaces, tabs and obs-text; never control characters.
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                throw new OriginProtocolException("The origin's answer has a control character in a header field value.");
            }
        }

        return (Encoding.ASCII.GetString(name), Encoding.Latin1.GetString(value));
    }
}
