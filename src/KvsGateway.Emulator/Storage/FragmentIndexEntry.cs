namespace KvsGateway.Emulator.Storage;

/// <summary>What the in-memory index keeps of each stored fragment.</summary>
public sealed record FragmentIndexEntry(
    string FragmentNumber,
    DateTimeOffset ProducerTimestamp,
    DateTimeOffset ServerTimestamp,
    long DurationMs,
    long SizeInBytes,
    string Path);
