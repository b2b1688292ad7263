namespace KvsGateway.Demo;

/// <summary>A session opened for the demo page.</summary>
public sealed record DemoSession(string Url, string SessionId, DateTimeOffset ExpiresAt, string Protocol);
