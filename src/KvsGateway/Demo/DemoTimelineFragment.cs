namespace KvsGateway.Demo;

/// <summary>One fragment of the demo page's timeline: when the gateway's origin received it, how long it lasts, its KVS number.</summary>
public sealed record DemoTimelineFragment(DateTimeOffset ServerTimestamp, long DurationMs, string FragmentNumber);
