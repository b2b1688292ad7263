using KvsGateway.Emulator.Storage;

namespace KvsGateway.Emulator.Sessions;

/// <summary>A fragment a session has listed: its sequence number and, per session track, its place on the timeline.</summary>
public sealed record ListedFragment(ulong SequenceNumber, FragmentIndexEntry Entry, IReadOnlyList<ulong> Starts, IReadOnlyList<ulong> Durations);
