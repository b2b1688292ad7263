using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace KvsGateway.Kvs.Signing;

/// <summary>
/// The pieces of AWS Signature Version 4 shared by the signer and the verifier: canonical request,
/// string to sign, signing key. See the AWS "Create a signed AWS API request" specification.
/// </summary>
public static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string DateHeader = "x-amz-date";
    public const string ContentSha256Header = "x-amz-content-sha256";
    public const string SecurityTokenHeader = "x-amz-security-token";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    public static string FormatDate(DateTimeOffset time) => time.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);

    public static bool TryParseDate(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    public static string HashHex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Builds the canonical request. Headers must be the signed ones, names lower-case.</summary>
    public static string CanonicalRequest(
        string method,
        string encodedPath,
        IEnumerable<KeyValuePair<string, string>> query,
        IReadOnlyList<KeyValuePair<string, string>> signedHeaders,
        string payloadHash)
    {
        var builder = new StringBuilder(512);
        builder.Append(method).Append('\n');
        builder.Append(CanonicalPath(encodedPath)).Append('\n');
        builder.Append(CanonicalQuery(query)).Append('\n');
        foreach (var header in signedHeaders)
        {
            builder.Append(header.Key).Append(':').Append(CanonicalHeaderValue(header.Value)).Append('\n');
        }

        builder.Append('\n');
        builder.Append(string.Join(';', signedHeaders.Select(h => h.Key))).Append('\n');
        builder.Append(payloadHash);
        return builder.ToString();
    }

    public static string Scope(DateTimeOffset time, string region, string service) =>
        $"{time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}/{region}/{service}/aws4_request";

    public static string StringToSign(DateTimeOffset time, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{FormatDate(time)}\n{scope}\n{HashHex(Encoding.UTF8.GetBytes(canonicalRequest))}";

    public static byte[] SigningKey(string secret, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    public static string Signature(byte[] signingKey, string stringToSign) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>RFC 3986 encoding as AWS does it: everything but unreserved characters, upper-case hex.</summary>
    public static string UriEncode(string value, bool encodeSlash = true)
    {
        ArgumentNullException.ThrowIfNull(value);

        // Most names and values need no escaping: return them as they are, without a copy.
        var escaped = 0;
        foreach (var c in value)
        {
            if (!IsUnreserved(c, encodeSlash))
            {
                escaped++;
            }
        }

        if (escaped == 0)
        {
            return value;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        var length = 0;
        foreach (var b in bytes)
        {
            length += IsUnreserved((char)b, encodeSlash) ? 1 : 3;
        }

        return string.Create(length, (bytes, encodeSlash), static (span, state) =>
        {
            var i = 0;
            foreach (var b in state.bytes)
            {
                if (IsUnreserved((char)b, state.encodeSlash))
                {
                    span[i++] = (char)b;
                }
                else
                {
                    span[i++] = '%';
                    span[i++] = UpperHex[b >> 4];
                    span[i++] = UpperHex[b & 0xF];
                }
            }
        });
    }

    private const string UpperHex = "0123456789ABCDEF";

    private static bool IsUnreserved(char c, bool encodeSlash) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~' || (c == '/' && !encodeSlash);

    private static string CanonicalPath(string encodedPath)
    {
        if (string.IsNullOrEmpty(encodedPath))
        {
            return "/";
        }

        // Services other than S3 encode each (already encoded) path segment once more.
        var segments = encodedPath.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            segments[i] = UriEncode(segments[i]);
        }

        return string.Join('/', segments);
    }

    private static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> query)
    {
        var encoded = query
            .Select(p => (Key: UriEncode(p.Key), Value: UriEncode(p.Value)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', encoded.Select(p => p.Key + "=" + p.Value));
    }

    /// <summary>Trims and collapses ASCII spaces and tabs only: a no-break space is a byte like any other to a signer.</summary>
    private static string CanonicalHeaderValue(string value)
    {
        var trimmed = value.Trim(' ', '\t');
        if (!trimmed.Contains('\t', StringComparison.Ordinal) && !trimmed.Contains("  ", StringComparison.Ordinal))
        {
            return trimmed;
        }

        var builder = new StringBuilder(trimmed.Length);
        var lastSpace = false;
        foreach (var c in trimmed)
        {
            var space = c is ' ' or '\t';
            if (!space || !lastSpace)
            {
                builder.Append(space ? ' ' : c);
            }

            lastSpace = space;
        }

        return builder.ToString();
    }
}
