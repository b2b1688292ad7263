using System.Globalization;
using KvsGateway.Kvs.Errors;
using Microsoft.AspNetCore.Http;

namespace KvsGateway.Emulator.Sessions;

/// <summary>
/// Writes a fragment made of a header in memory and a byte range of a file, honouring HEAD and a
/// single <c>Range: bytes=</c> request (206, or 416 when it cannot be satisfied).
/// </summary>
internal static class FragmentResponse
{
    public static async Task WriteAsync(HttpContext context, string contentType, byte[] head, string? file, long fileOffset, long fileLength)
    {
        var response = context.Response;
        var total = head.Length + fileLength;
        response.ContentType = contentType;
        response.Headers.AcceptRanges = "bytes";
        long from = 0, to = total - 1;
        // One byte range is served as asked; several ranges get the whole fragment, which HTTP allows.
        if (context.Request.Headers.Range.ToString() is { Length: > 0 } range
            && range.StartsWith("bytes=", StringComparison.Ordinal) && !range.Contains(',', StringComparison.Ordinal))
        {
            if (!TryParseRange(range, total, out from, out to))
            {
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = $"bytes */{total.ToString(CultureInfo.InvariantCulture)}";
                return;
            }

            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {from}-{to}/{total}");
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            response.ContentLength = to - from + 1;
            return;
        }

        // Opened before anything is written: a fragment deleted by retention meanwhile is a KVS
        // error, not a response cut after its header.
        FileStream? stream = null;
        if (file is not null && to >= head.Length)
        {
            try
            {
                stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
            }
            catch (FileNotFoundException)
            {
                throw KvsException.ResourceNotFound("The fragment is no longer retained.");
            }
        }

        response.ContentLength = to - from + 1;
        if (from < head.Length)
        {
            var end = (int)Math.Min(to + 1, head.Length);
            await response.Body.WriteAsync(head.AsMemory((int)from, end - (int)from), context.RequestAborted).ConfigureAwait(false);
        }

        if (stream is null)
        {
            return;
        }

        await using (stream.ConfigureAwait(false))
        {
            var start = Math.Max(from, head.Length) - head.Length;
            stream.Position = fileOffset + start;
            var remaining = to - head.Length - start + 1;
            var buffer = new byte[64 * 1024];
            while (remaining > 0)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"Fragment file {file} ended early.");
                }

                await response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted).ConfigureAwait(false);
                remaining -= read;
            }
        }
    }

    private static bool TryParseRange(string header, long total, out long from, out long to)
    {
        from = 0;
        to = total - 1;
        var spec = header[6..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return false;
        }

        var first = spec[..dash];
        var last = spec[(dash + 1)..];
        if (first.Length == 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix) || suffix == 0)
            {
                return false;
            }

            from = Math.Max(0, total - suffix);
            return true;
        }

        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out from) || from >= total)
        {
            return false;
        }

        if (last.Length > 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out to) || to < from)
            {
                return false;
            }

            to = Math.Min(to, total - 1);
        }

        return true;
    }
}
