namespace KvsGateway.Demo;

/// <summary>What a session has been metered so far (flushed each second).</summary>
public sealed record DemoUsage(long OutgoingBytes, long Requests);
