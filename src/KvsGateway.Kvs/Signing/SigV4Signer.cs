using System.Net.Http.Headers;

namespace KvsGateway.Kvs.Signing;

/// <summary>Signs outgoing requests with SigV4 in the Authorization-header form.</summary>
public static class SigV4Signer
{
    /// <summary>Signs the request; with <c>sendPayloadHash</c> it also sends and signs <c>x-amz-content-sha256</c>, as the AWS SDKs do.</summary>
    public static void Sign(HttpRequestMessage request, string payloadHash, AwsCredentials credentials, string region, string service, DateTimeOffset now, bool sendPayloadHash = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var amzDate = SigV4.FormatDate(now);
        request.Headers.Remove(SigV4.DateHeader);
        request.Headers.TryAddWithoutValidation(SigV4.DateHeader, amzDate);
        request.Headers.Remove(SigV4.ContentSha256Header);
        if (sendPayloadHash)
        {
            request.Headers.TryAddWithoutValidation(SigV4.ContentSha256Header, payloadHash);
        }

        if (credentials.SessionToken is { } token)
        {
            request.Headers.Remove(SigV4.SecurityTokenHeader);
            request.Headers.TryAddWithoutValidation(SigV4.SecurityTokenHeader, token);
        }

        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}",
        };
        foreach (var header in request.Headers)
        {
            var name = header.Key.ToLowerInvariant();
            if (name.StartsWith("x-amz", StringComparison.Ordinal))
            {
                headers[name] = string.Join(',', header.Value);
            }
        }

        if (request.Content?.Headers.ContentType is { } contentType)
        {
            headers["content-type"] = contentType.ToString();
        }

        var query = ParseQuery(uri.Query);
        var canonical = SigV4.CanonicalRequest(request.Method.Method, uri.AbsolutePath, query, headers.ToList(), payloadHash);
        var scope = SigV4.Scope(now, region, service);
        var key = SigV4.SigningKey(credentials.SecretAccessKey, now.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), region, service);
        var signature = SigV4.Signature(key, SigV4.StringToSign(now, scope, canonical));
        request.Headers.Authorization = new AuthenticationHeaderValue(
            SigV4.Algorithm,
            $"Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={string.Join(';', headers.Keys)}, Signature={signature}");
    }

    private static List<KeyValuePair<string, string>> ParseQuery(string query)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? part : part[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(part[(equals + 1)..]);
            pairs.Add(new(name, value));
        }

        return pairs;
    }
}
