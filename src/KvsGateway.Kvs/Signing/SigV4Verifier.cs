using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using KvsGateway.Kvs.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace KvsGateway.Kvs.Signing;

/// <summary>
/// Verifies a SigV4 Authorization header on an incoming request. Failures answer with AWS's own
/// error types and fixed messages that tell an attacker nothing about which part was wrong.
/// </summary>
public sealed class SigV4Verifier
{
    public const string SignatureMismatchMessage =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.";

    // Keys by secret, day, region and service: a day's keys for each tenant key and region in use.
    private const int MaxSigningKeys = 1024;

    private readonly TimeProvider _time;
    private readonly string _service;
    private readonly TimeSpan _maxSkew;
    private readonly ConcurrentDictionary<SigningScope, byte[]> _signingKeys = new();

    public SigV4Verifier(TimeProvider time, string service = "kinesisvideo", TimeSpan? maxSkew = null)
    {
        _time = time;
        _service = service;
        _maxSkew = maxSkew ?? TimeSpan.FromMinutes(5);
    }

    /// <summary>Returns the verified Authorization header or throws the AWS error; <c>allowUnsignedPayload</c> accepts <c>x-amz-content-sha256: UNSIGNED-PAYLOAD</c> (streaming uploads such as PutMedia).</summary>
    public SigV4AuthorizationHeader Verify(HttpRequest request, ReadOnlySpan<byte> body, Func<string, string?> findSecret, bool allowUnsignedPayload = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(findSecret);
        var authorization = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(authorization) && request.Query.ContainsKey("X-Amz-Signature"))
        {
            return VerifyPresigned(request, body, findSecret, allowUnsignedPayload);
        }

        if (string.IsNullOrEmpty(authorization))
        {
            throw new KvsException(KvsErrorTypes.MissingAuthenticationToken, 403, "Missing Authentication Token");
        }

        if (!SigV4AuthorizationHeader.TryParse(authorization, out var header) || header is null)
        {
            throw new KvsException(KvsErrorTypes.IncompleteSignature, 400, "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters, in the AWS4-HMAC-SHA256 form.");
        }

        if (!header.SignedHeaders.Contains("host") || !SigV4.TryParseDate(request.Headers[SigV4.DateHeader].ToString(), out var signedAt))
        {
            throw new KvsException(KvsErrorTypes.IncompleteSignature, 400, "The request must sign the host header and carry a valid x-amz-date header.");
        }

        if (header.Service != _service || header.Date != signedAt.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new KvsException(KvsErrorTypes.InvalidSignature, 403, $"Credential should be scoped to a valid date and to the '{_service}' service.");
        }

        var now = _time.GetUtcNow();
        if ((now - signedAt).Duration() > _maxSkew)
        {
            throw new KvsException(KvsErrorTypes.RequestExpired, 400, "Request has expired: the signing date is more than 5 minutes from the server time.");
        }

        var secret = findSecret(header.AccessKeyId)
            ?? throw new KvsException(KvsErrorTypes.UnrecognizedClient, 403, "The security token included in the request is invalid.");

        var declared = request.Headers[SigV4.ContentSha256Header].ToString();
        string payloadHash;
        if (declared == SigV4.UnsignedPayload && allowUnsignedPayload)
        {
            payloadHash = SigV4.UnsignedPayload;
        }
        else
        {
            payloadHash = SigV4.HashHex(body);
            if (declared.Length > 0 && !string.Equals(declared, payloadHash, StringComparison.OrdinalIgnoreCase))
            {
                throw new KvsException(KvsErrorTypes.InvalidSignature, 403, SignatureMismatchMessage);
            }
        }

        var headers = new List<KeyValuePair<string, string>>(header.SignedHeaders.Count);
        foreach (var name in header.SignedHeaders)
        {
            headers.Add(new(name, SignedHeaderValue(request, name)));
        }

        var query = new List<KeyValuePair<string, string>>();
        foreach (var pair in request.Query)
        {
            foreach (var value in pair.Value)
            {
                query.Add(new(pair.Key, value ?? string.Empty));
            }
        }

        var canonical = SigV4.CanonicalRequest(request.Method, RawPath(request), query, headers, payloadHash);
        RequireSignature(secret, header, signedAt, canonical);
        return header;
    }

    /// <summary>
    /// The query-string form: X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders and
    /// -Signature in the URL; the canonical query is every parameter but the signature. The payload
    /// is the body's hash, or UNSIGNED-PAYLOAD where streaming bodies are allowed (as S3 presigns).
    /// </summary>
    private SigV4AuthorizationHeader VerifyPresigned(HttpRequest request, ReadOnlySpan<byte> body, Func<string, string?> findSecret, bool allowUnsignedPayload)
    {
        var query = request.Query;
        string Required(string name) => query[name].ToString() is { Length: > 0 } value
            ? value
            : throw new KvsException(KvsErrorTypes.IncompleteSignature, 400, $"A presigned request needs the {name} query parameter.");

        if (Required("X-Amz-Algorithm") != SigV4.Algorithm)
        {
            throw new KvsException(KvsErrorTypes.IncompleteSignature, 400, "X-Amz-Algorithm must be AWS4-HMAC-SHA256.");
        }

        var scope = Required("X-Amz-Credential").Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request" || !SigV4.TryParseDate(Required("X-Amz-Date"), out var signedAt)
            || !int.TryParse(Required("X-Amz-Expires"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var expires) || expires is < 1 or > 604_800)
        {
            throw new KvsException(KvsErrorTypes.IncompleteSignature, 400, "X-Amz-Credential, X-Amz-Date and X-Amz-Expires (1 to 604800 s) must be well formed.");
        }

        var header = new SigV4AuthorizationHeader(scope[0], scope[1], scope[2], scope[3], Required("X-Amz-SignedHeaders").Split(';'), Required("X-Amz-Signature"));
        if (header.Service != _service || header.Date != signedAt.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture) || !header.SignedHeaders.Contains("host"))
        {
            throw new KvsException(KvsErrorTypes.InvalidSignature, 403, $"Credential should be scoped to a valid date and to the '{_service}' service, and the host header signed.");
        }

        var now = _time.GetUtcNow();
        if (now > signedAt.AddSeconds(expires) || signedAt - now > _maxSkew)
        {
            throw new KvsException(KvsErrorTypes.RequestExpired, 400, "Request has expired: the presigned URL is past its X-Amz-Expires or not yet valid.");
        }

        var secret = findSecret(header.AccessKeyId)
            ?? throw new KvsException(KvsErrorTypes.UnrecognizedClient, 403, "The security token included in the request is invalid.");
        var headers = header.SignedHeaders
            .Select(name => new KeyValuePair<string, string>(name, SignedHeaderValue(request, name)))
            .ToList();
        var parameters = new List<KeyValuePair<string, string>>();
        foreach (var pair in query)
        {
            if (pair.Key == "X-Amz-Signature")
            {
                continue;
            }

            foreach (var value in pair.Value)
            {
                parameters.Add(new(pair.Key, value ?? string.Empty));
            }
        }

        var payloadHash = allowUnsignedPayload ? SigV4.UnsignedPayload : SigV4.HashHex(body);
        var canonical = SigV4.CanonicalRequest(request.Method, RawPath(request), parameters, headers, payloadHash);
        RequireSignature(secret, header, signedAt, canonical);
        return header;
    }

    /// <summary>
    /// Checks the signature. A signing key is derived with four HMACs from the secret, day, region and
    /// service; it is kept once a request signed with it has verified, so only scopes callers proved
    /// they hold the secret of are cached, and the cache starts over when it reaches its bound.
    /// </summary>
    private void RequireSignature(string secret, SigV4AuthorizationHeader header, DateTimeOffset signedAt, string canonical)
    {
        var scope = new SigningScope(secret, header.Date, header.Region, header.Service);
        var known = _signingKeys.TryGetValue(scope, out var key);
        key ??= SigV4.SigningKey(secret, header.Date, header.Region, header.Service);
        var expected = SigV4.Signature(key, SigV4.StringToSign(signedAt, header.Scope, canonical));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(header.Signature)))
        {
            throw new KvsException(KvsErrorTypes.InvalidSignature, 403, SignatureMismatchMessage);
        }

        if (!known)
        {
            if (_signingKeys.Count >= MaxSigningKeys)
            {
                _signingKeys.Clear();
            }

            _signingKeys.TryAdd(scope, key);
        }
    }

    /// <summary>A repeated header's values, each trimmed, joined with commas in the order sent (AWS's get-header-value-order).</summary>
    private static string SignedHeaderValue(HttpRequest request, string name)
    {
        if (name == "host")
        {
            return request.Host.Value ?? string.Empty;
        }

        var values = request.Headers[name];
        return values.Count == 1 ? values[0] ?? string.Empty : string.Join(',', values.Select(v => (v ?? string.Empty).Trim(' ', '\t')));
    }

    private static string RawPath(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
        {
            return request.PathBase.Add(request.Path).ToUriComponent();
        }

        var query = raw.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? raw : raw[..query];
    }

    private readonly record struct SigningScope(string Secret, string Date, string Region, string Service);
}
