using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace KvsGateway.Kvs.Client;

/// <summary>
/// One PutMedia exchange over HTTP/1.1 as KVS producers run it: the chunked Matroska upload and the
/// chunked stream of ACK lines flow at the same time. HttpClient reads an HTTP/1.1 response only
/// after the request body ends, which would hold every ACK back until the producer stops.
/// </summary>
internal sealed class PutMediaConnection : IAsyncDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;

    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    private PutMediaConnection(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    public static async Task<PutMediaConnection> OpenAsync(Uri uri, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(uri.Host, uri.Port, cancellationToken).ConfigureAwait(false);
            Stream stream = tcp.GetStream();
            if (uri.Scheme == Uri.UriSchemeHttps)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = uri.Host }, cancellationToken).ConfigureAwait(false);
                stream = tls;
            }

            return new PutMediaConnection(tcp, stream);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Sends the request head; the body follows through <see cref="SendBodyAsync"/>.</summary>
    public async Task SendHeadAsync(HttpRequestMessage signed, CancellationToken cancellationToken)
    {
        var uri = signed.RequestUri!;
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"POST {uri.PathAndQuery} HTTP/1.1\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Host: {(uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}")}\r\n");
        foreach (var header in signed.Headers)
        {
            head.Append(header.Key).Append(": ").Append(string.Join(',', header.Value)).Append("\r\n");
        }

        if (signed.Content is not null)
        {
            foreach (var header in signed.Content.Headers)
            {
                head.Append(header.Key).Append(": ").Append(string.Join(',', header.Value)).Append("\r\n");
            }
        }

        head.Append("Transfer-Encoding: chunked\r\n\r\n");
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies the body as HTTP chunks, flushing each, and ends it.</summary>
    public async Task SendBodyAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await _stream.WriteAsync(Encoding.ASCII.GetBytes(read.ToString("X", CultureInfo.InvariantCulture) + "\r\n"), cancellationToken).ConfigureAwait(false);
            await _stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            await _stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        await _stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the status line and headers.</summary>
    public async Task<(int Status, Dictionary<string, string> Headers)> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var status = await ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new IOException("The connection closed before a response.");
        var parts = status.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            throw new IOException("The response is not HTTP/1.1.");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var total = 0;
        while (await ReadLineAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 } line)
        {
            total += line.Length;
            if (total > MaxHeaderBytes)
            {
                throw new IOException("The response headers are too large.");
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return (code, headers);
    }

    /// <summary>The response body as it arrives, chunked or delimited by length or by the connection's end.</summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadBodyAsync(Dictionary<string, string> headers, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                var sizeLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new IOException("The response ended inside a chunk header.");
                var size = int.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    yield break;
                }

                var chunk = new byte[size];
                await ReadExactlyAsync(chunk, cancellationToken).ConfigureAwait(false);
                await ReadLineAsync(cancellationToken).ConfigureAwait(false);
                yield return chunk;
            }
        }

        long remaining = headers.TryGetValue("Content-Length", out var length) ? long.Parse(length, CultureInfo.InvariantCulture) : long.MaxValue;
        while (remaining > 0)
        {
            var chunk = new byte[(int)Math.Min(remaining, 16 * 1024)];
            var read = await ReadSomeAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                yield break;
            }

            remaining -= read;
            yield return chunk.AsMemory(0, read);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _tcp.Dispose();
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return line.Count == 0 ? null : Encoding.ASCII.GetString(line.ToArray());
            }

            var b = _buffer[_start++];
            if (b == '\n')
            {
                return Encoding.ASCII.GetString(line.ToArray()).TrimEnd('\r');
            }

            line.Add(b);
            if (line.Count > MaxHeaderBytes)
            {
                throw new IOException("A response line is too long.");
            }
        }
    }

    private async Task ReadExactlyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < destination.Length)
        {
            var read = await ReadSomeAsync(destination[filled..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("The response ended inside a chunk.");
            }

            filled += read;
        }
    }

    private async Task<int> ReadSomeAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_start < _end)
        {
            var count = Math.Min(destination.Length, _end - _start);
            _buffer.AsMemory(_start, count).CopyTo(destination);
            _start += count;
            return count;
        }

        return await _stream.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await _stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        return _end > 0;
    }
}
