using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace KvsGateway.Tests.Signing;

/// <summary>AWS's published SigV4 test-suite vectors (AKIDEXAMPLE, 20150830T123600Z, us-east-1, "service").</summary>
public sealed class SigV4Tests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static readonly DateTimeOffset SignedAt = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("GET", "/", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("POST", "/", "", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    [InlineData("GET", "/", "?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")]
    public void The_signer_reproduces_the_test_suite_signatures(string method, string path, string query, string signature)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "https://example.amazonaws.com" + path + query);
        SigV4Signer.Sign(request, SigV4.HashHex([]), new AwsCredentials("AKIDEXAMPLE", Secret), "us-east-1", "service", SignedAt, sendPayloadHash: false);
        var authorization = request.Headers.Authorization!.ToString();
        Assert.EndsWith("Signature=" + signature, authorization, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("POST", "/", "", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    [InlineData("GET", "/", "?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")]
    public void The_verifier_accepts_the_test_suite_requests(string method, string path, string query, string signature)
    {
        var request = VectorRequest(method, path, query, signature);
        var verifier = new SigV4Verifier(new FakeTimeProvider(SignedAt.AddMinutes(2)), "service");
        var header = verifier.Verify(request, [], id => id == "AKIDEXAMPLE" ? Secret : null);
        Assert.Equal("AKIDEXAMPLE", header.AccessKeyId);
    }

    /// <summary>
    /// More of the suite's header-form cases: repeated headers (joined in the order sent), trimmed
    /// values, unreserved and UTF-8 characters, sorted keys and signed bodies. Headers are
    /// <c>Name:value</c> lines; every one is signed. get-utf8 and get-space are left out: they
    /// single-encode the path as S3 does, where kinesisvideo, like every other service, encodes twice.
    /// </summary>
    [Theory]
    [InlineData("get-header-key-duplicate", "GET", "/", "", "My-Header1:value2|My-Header1:value2|My-Header1:value1", "", "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea")]
    [InlineData("get-header-value-order", "GET", "/", "", "My-Header1:value4|My-Header1:value1|My-Header1:value3|My-Header1:value2", "", "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01")]
    [InlineData("get-header-value-trim", "GET", "/", "", "My-Header1: value1|My-Header2: \"a   b   c\"", "", "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736")]
    [InlineData("get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", "", "", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f")]
    [InlineData("get-vanilla-query-unreserved", "GET", "/", "?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", "", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197")]
    [InlineData("get-vanilla-utf8-query", "GET", "/", "?%E1%88%B4=bar", "", "", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04")]
    [InlineData("post-vanilla-query", "POST", "/", "?Param1=value1", "", "", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11")]
    [InlineData("post-header-key-sort", "POST", "/", "", "My-Header1:value1", "", "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c")]
    [InlineData("post-x-www-form-urlencoded", "POST", "/", "", "Content-Type:application/x-www-form-urlencoded|Content-Length:13|X-Amz-Content-Sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e", "Param1=value1", "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b")]
    [InlineData("post-x-www-form-urlencoded-parameters", "POST", "/", "", "Content-Type:application/x-www-form-urlencoded; charset=utf-8|Content-Length:13|X-Amz-Content-Sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e", "Param1=value1", "328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422")]
    public void The_verifier_accepts_the_suite_s_header_and_encoding_cases(string name, string method, string path, string query, string headers, string body, string signature)
    {
        var request = VectorRequest(method, path, query, signature);
        var signed = new SortedSet<string>(StringComparer.Ordinal) { "host", "x-amz-date" };
        foreach (var line in headers.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var header = line[..colon];
            request.Headers.Append(header, line[(colon + 1)..]);
            signed.Add(header.ToLowerInvariant());
        }

        request.Headers.Authorization = $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={string.Join(';', signed)}, Signature={signature}";
        var verifier = new SigV4Verifier(new FakeTimeProvider(SignedAt), "service");
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        Assert.True(verifier.Verify(request, bytes, _ => Secret).AccessKeyId == "AKIDEXAMPLE", name);

        // The same request with another body is another request.
        Assert.Equal(KvsErrorTypes.InvalidSignature, Assert.Throws<KvsException>(() => verifier.Verify(request, [.. bytes, (byte)'x'], _ => Secret)).ErrorType);
    }

    [Fact]
    public void Reordered_header_values_no_longer_match_the_signature()
    {
        var request = VectorRequest("GET", "/", "", "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01");
        request.Headers["My-Header1"] = new Microsoft.Extensions.Primitives.StringValues(["value1", "value2", "value3", "value4"]);
        request.Headers.Authorization = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01";
        var verifier = new SigV4Verifier(new FakeTimeProvider(SignedAt), "service");
        Assert.Equal(KvsErrorTypes.InvalidSignature, Assert.Throws<KvsException>(() => verifier.Verify(request, [], _ => Secret)).ErrorType);
    }

    [Theory]
    [InlineData("", "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d")]
    [InlineData("Param2=value2&Param1=value1&", "86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5")]
    public void The_verifier_accepts_the_suite_s_presigned_cases(string parameters, string signature)
    {
        var request = new DefaultHttpContext().Request;
        request.Method = "GET";
        request.Path = "/";
        request.Host = new HostString("example.amazonaws.com");
        request.QueryString = new QueryString($"?{parameters}X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}");
        var verifier = new SigV4Verifier(new FakeTimeProvider(SignedAt.AddMinutes(30)), "service");
        Assert.Equal("AKIDEXAMPLE", verifier.Verify(request, [], _ => Secret).AccessKeyId);
    }

    [Fact]
    public void A_wrong_signature_an_unknown_key_and_a_stale_date_are_refused_as_AWS_does()
    {
        var verifier = new SigV4Verifier(new FakeTimeProvider(SignedAt), "service");
        var wrong = VectorRequest("GET", "/", "", new string('0', 64));
        var error = Assert.Throws<KvsException>(() => verifier.Verify(wrong, [], _ => Secret));
        Assert.Equal(KvsErrorTypes.InvalidSignature, error.ErrorType);
        Assert.Equal(403, error.StatusCode);

        var good = VectorRequest("GET", "/", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
        Assert.Equal(KvsErrorTypes.UnrecognizedClient, Assert.Throws<KvsException>(() => verifier.Verify(good, [], _ => null)).ErrorType);
        Assert.Equal(KvsErrorTypes.InvalidSignature, Assert.Throws<KvsException>(() => verifier.Verify(good, "tampered"u8, _ => Secret)).ErrorType);

        var late = new SigV4Verifier(new FakeTimeProvider(SignedAt.AddMinutes(6)), "service");
        Assert.Equal(KvsErrorTypes.RequestExpired, Assert.Throws<KvsException>(() => late.Verify(good, [], _ => Secret)).ErrorType);

        var unsigned = new DefaultHttpContext().Request;
        Assert.Equal(KvsErrorTypes.MissingAuthenticationToken, Assert.Throws<KvsException>(() => verifier.Verify(unsigned, [], _ => Secret)).ErrorType);
    }

    [Fact]
    public void The_presigned_query_string_form_matches_AWS_s_published_example_and_expires()
    {
        const string signature = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
        const string s3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        var signedAt = new DateTimeOffset(2013, 5, 24, 0, 0, 0, TimeSpan.Zero);
        HttpRequest Presigned(string expires, string sig)
        {
            var request = new DefaultHttpContext().Request;
            request.Method = "GET";
            request.Path = "/test.txt";
            request.Host = new HostString("examplebucket.s3.amazonaws.com");
            request.QueryString = new QueryString($"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host&X-Amz-Signature={sig}");
            return request;
        }

        var verifier = new SigV4Verifier(new FakeTimeProvider(signedAt.AddHours(23)), "s3");
        Assert.Equal("AKIAIOSFODNN7EXAMPLE", verifier.Verify(Presigned("86400", signature), [], _ => s3Secret, allowUnsignedPayload: true).AccessKeyId);

        // Stretching the lifetime breaks the signature; a valid URL used too late has expired.
        Assert.Equal(KvsErrorTypes.InvalidSignature, Assert.Throws<KvsException>(() => verifier.Verify(Presigned("604800", signature), [], _ => s3Secret, allowUnsignedPayload: true)).ErrorType);
        var late = new SigV4Verifier(new FakeTimeProvider(signedAt.AddHours(25)), "s3");
        Assert.Equal(KvsErrorTypes.RequestExpired, Assert.Throws<KvsException>(() => late.Verify(Presigned("86400", signature), [], _ => s3Secret, allowUnsignedPayload: true)).ErrorType);
        Assert.Equal(KvsErrorTypes.IncompleteSignature, Assert.Throws<KvsException>(() => verifier.Verify(Presigned("0", signature), [], _ => s3Secret, allowUnsignedPayload: true)).ErrorType);
    }

    private static HttpRequest VectorRequest(string method, string path, string query, string signature)
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = method;
        request.Path = path;
        request.QueryString = new QueryString(query);
        request.Host = new HostString("example.amazonaws.com");
        request.Headers["X-Amz-Date"] = "20150830T123600Z";
        request.Headers.Authorization = $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}";
        return request;
    }
}
