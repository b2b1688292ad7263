using KvsGateway.Kvs.Redaction;
using Microsoft.Extensions.Logging;

namespace KvsGateway.Tests.Redaction;

public sealed partial class SecretRedactorTests
{
    [Theory]
    [InlineData("GET http://gw/dash/v1/getDASHManifest.mpd?SessionToken=eyJhbGciOi.x.y&TrackNumber=1", "GET http://gw/dash/v1/getDASHManifest.mpd?SessionToken=[redacted]&TrackNumber=1")]
    [InlineData("Proxying to http://127.0.0.1:8081/dash/v1/getMP4MediaFragment.mp4?SessionToken=CgABC123_-", "Proxying to http://127.0.0.1:8081/dash/v1/getMP4MediaFragment.mp4?SessionToken=[redacted]")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature=[redacted]")]
    [InlineData("/x?X-Amz-Credential=AKID%2F2015&X-Amz-Signature=aeeed9bb&X-Amz-Security-Token=FwoG", "/x?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&X-Amz-Security-Token=[redacted]")]
    [InlineData("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [redacted]")]
    [InlineData("token eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIn0..iv.cipher.tag in text", "token [redacted] in text")]
    [InlineData("Session 0123abcd created for tenant acme, stream acme-cam", "Session 0123abcd created for tenant acme, stream acme-cam")]
    public void Secrets_are_masked_and_everything_else_is_kept(string text, string expected)
    {
        Assert.Equal(expected, SecretRedactor.Redact(text));
    }

    [Fact]
    public void The_logger_factory_redacts_messages_and_structured_values_and_keeps_levels()
    {
        var sink = new ListProvider();
        using var factory = new RedactingLoggerFactory(LoggerFactory.Create(b => b.AddProvider(sink).SetMinimumLevel(LogLevel.Information)));
        var logger = factory.CreateLogger("test");
        LogRequest(logger, "http://gw/x?SessionToken=secret-token-value");
        LogDropped(logger, "http://gw/x?SessionToken=other");

        var (message, values) = Assert.Single(sink.Records);
        Assert.Equal("Request http://gw/x?SessionToken=[redacted]", message);
        Assert.Contains(new KeyValuePair<string, object?>("Url", "http://gw/x?SessionToken=[redacted]"), values);
    }

    [LoggerMessage(1, LogLevel.Information, "Request {Url}")]
    private static partial void LogRequest(ILogger logger, string url);

    [LoggerMessage(2, LogLevel.Debug, "dropped {Url}")]
    private static partial void LogDropped(ILogger logger, string url);

    private sealed class ListProvider : ILoggerProvider, ILogger
    {
        public List<(string Message, List<KeyValuePair<string, object?>> Values)> Records { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Records.Add((formatter(state, exception), state is IEnumerable<KeyValuePair<string, object?>> pairs ? [.. pairs] : []));

        public void Dispose()
        {
        }
    }
}
