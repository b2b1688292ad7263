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
