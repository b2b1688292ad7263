using Microsoft.Extensions.Logging;

namespace KvsGateway.FunctionalTests.Infrastructure;

/// <summary>
/// When KVSGW_TEST_LOG_CAPTURE names a file, every gateway the suite starts also logs there at
/// Debug (configured as <c>Logging:TestCapture</c>), after redaction, as production logs would
/// be. The test command then scans that file for secrets.
/// </summary>
[ProviderAlias("TestCapture")]
public sealed class LogCaptureProvider : ILoggerProvider
{
    private static readonly string? FilePath = Environment.GetEnvironmentVariable("KVSGW_TEST_LOG_CAPTURE");
    private static readonly Lock Gate = new();

    public static LogCaptureProvider? Instance { get; } = string.IsNullOrEmpty(FilePath) ? null : new LogCaptureProvider();

    public ILogger CreateLogger(string categoryName) => new CaptureLogger(categoryName);

    /// <summary>Shared by every host in the run; nothing to release per host.</summary>
    public void Dispose()
    {
    }

    private sealed class CaptureLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(' ', pairs.Where(p => p.Key != "{OriginalFormat}").Select(p => $"{p.Key}={p.Value}"))
                : string.Empty;
            var line = $"{DateTimeOffset.UtcNow:O} {logLevel} {category}[{eventId.Id}] {formatter(state, exception)} | {values}{(exception is null ? string.Empty : " | " + exception)}";
            lock (Gate)
            {
                File.AppendAllText(FilePath!, line.ReplaceLineEndings(" ") + Environment.NewLine);
            }
        }
    }
}
