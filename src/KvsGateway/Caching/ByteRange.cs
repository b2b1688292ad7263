using System.Globalization;

namespace KvsGateway.Caching;

/// <summary>One byte range of a <c>Range</c> header (RFC 9110 §14.1.2), resolved against a length.</summary>
public readonly record struct ByteRange(long Start, long Length)
{
    /// <summary>
    /// A single <c>bytes=</c> range against <paramref name="total"/>: true with the range (of length 0
    /// when no byte of it exists: 416), false when the header is not one range the cache answers (a
    /// list, another unit, or malformed), in which case the whole fragment is sent, as RFC 9110 allows.
    /// </summary>
    public static bool TryParse(string header, long total, out ByteRange range)
    {
        range = default;
        if (header is null || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(',', StringComparison.Ordinal))
        {
            return false;
        }

        var spec = header.AsSpan(6).Trim();
        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return false;
        }

        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.IsEmpty)
        {
            // bytes=-N: the last N bytes.
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
            {
                return false;
            }

            var take = Math.Min(suffix, total);
            range = new ByteRange(total - take, take);
            return true;
        }

        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return false;
        }

        long end = total - 1;
        if (!last.IsEmpty)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
            {
                return false;
            }

            end = Math.Min(end, total - 1);
        }

        range = start >= total ? new ByteRange(start, 0) : new ByteRange(start, end - start + 1);
        return true;
    }
}
