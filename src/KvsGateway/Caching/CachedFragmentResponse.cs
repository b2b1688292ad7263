using System.Globalization;
using KvsGateway.Kvs.Errors;

namespace KvsGateway.Caching;

/// <summary>
/// Answers a viewer from a shared entry: the whole fragment, one byte range of it (<c>Range</c>,
/// honouring <c>If-Range</c>), 304 for a matching <c>If-None-Match</c>, headers only for HEAD. The body
/// is written as it arrives in the entry; an entry that fails after the first byte ends the viewer's
/// connection, the only honest signal left.
/// </summary>
public static class CachedFragmentResponse
{
    // What one write asks of the response's buffers: a buffer this large is one segment (not the
    // server's 4 KB blocks), so a fragment goes out in a few large sends.
    private const int WriteSize = 64 * 1024;

    public static async Task WriteAsync(HttpContext context, CachedFragment entry)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(entry);
        var viewer = context.RequestAborted;
        CachedFragmentHeaders headers;
        try
        {
            headers = await entry.Headers.WaitAsync(viewer).ConfigureAwait(false);
        }
        catch (KvsException shared)
        {
            // Every waiter gets the same KVS error, each as its own exception under its own request id.
            throw shared.Copy();
        }

        var request = context.Request;
        var response = context.Response;
        if (headers.ContentType is not null)
        {
            response.ContentType = headers.ContentType;
        }

        if (headers.ETag is not null)
        {
            response.Headers.ETag = headers.ETag;
        }

        if (headers.LastModified is not null)
        {
            response.Headers.LastModified = headers.LastModified;
        }

        response.Headers.AcceptRanges = "bytes";
        if (headers.ETag is not null && request.Headers.IfNoneMatch.Count > 0 && Matches(request.Headers.IfNoneMatch, headers.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        var length = headers.Length;
        long start = 0;
        long? count = length;
        if (request.Headers.Range.Count > 0 && RangeApplies(request, headers))
        {
            // A range needs the total length: an origin that did not declare it is read to the end first.
            length ??= await WholeLengthAsync(entry, viewer).ConfigureAwait(false);
            if (ByteRange.TryParse(request.Headers.Range.ToString(), length.Value, out var range))
            {
                if (range.Length == 0)
                {
                    response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                    response.Headers.ContentRange = $"bytes */{length.Value.ToString(CultureInfo.InvariantCulture)}";
                    return;
                }

                response.StatusCode = StatusCodes.Status206PartialContent;
                response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {range.Start}-{range.Start + range.Length - 1}/{length.Value}");
                start = range.Start;
                count = range.Length;
            }
        }

        response.ContentLength = count;
        if (HttpMethods.IsHead(request.Method))
        {
            return;
        }

        await response.StartAsync(viewer).ConfigureAwait(false);
        try
        {
            await CopyAsync(entry, response, start, count ?? long.MaxValue, viewer).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (viewer.IsCancellationRequested)
        {
            // The viewer went away; the entry fills on for others.
        }
    }

    private static async Task CopyAsync(CachedFragment entry, HttpResponse response, long position, long count, CancellationToken viewer)
    {
        var writer = response.BodyWriter;
        var end = count == long.MaxValue ? long.MaxValue : position + count;
        while (position < end)
        {
            // Completion is looked at before the bytes: an entry that completes between an empty read
            // and the look would otherwise end this viewer's body short.
            var complete = entry.IsComplete;
            var ready = Math.Min(end, entry.Available) - position;
            if (ready > 0)
            {
                // Straight into one large buffer of the response (one copy, one send per 64 KB).
                var buffer = writer.GetMemory((int)Math.Min(ready, WriteSize));
                var copied = entry.CopyTo(position, buffer.Span[..(int)Math.Min(ready, buffer.Length)]);
                writer.Advance(copied);
                position += copied;
                var flushed = await writer.FlushAsync(viewer).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    return;
                }

                continue;
            }

            if (entry.Failure is not null)
            {
                response.HttpContext.Abort();
                return;
            }

            if (complete)
            {
                return;
            }

            await entry.WaitForAsync(position, viewer).ConfigureAwait(false);
        }
    }

    private static async Task<long> WholeLengthAsync(CachedFragment entry, CancellationToken viewer)
    {
        while (!entry.IsComplete)
        {
            if (entry.Failure is { } failure)
            {
                throw failure is KvsException kvs ? kvs.Copy() : new KvsException(KvsErrorTypes.ServiceUnavailable, 502, "The fragment could not be fetched from the origin.");
            }

            await entry.WaitForAsync(entry.Available, viewer).ConfigureAwait(false);
        }

        return entry.Available;
    }

    // If-Range: the range applies only to the representation the client already has.
    private static bool RangeApplies(HttpRequest request, CachedFragmentHeaders headers)
    {
        var ifRange = request.Headers.IfRange.ToString();
        return ifRange.Length == 0 || string.Equals(ifRange, headers.ETag, StringComparison.Ordinal) || string.Equals(ifRange, headers.LastModified, StringComparison.Ordinal);
    }

    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var value in ifNoneMatch)
        {
            foreach (var tag in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
            {
                if (tag == "*" || string.Equals(tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag, etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
