using KvsGateway.Emulator.Storage;

namespace KvsGateway.Emulator.Sessions;

/// <summary>
/// A fragment a session has listed: its sequence number, per session track its place on the
/// timeline, and the session's format version it was listed with (<see cref="EmulatorSession.FormatVersion"/>).
/// </summary>
public sealed record ListedFragment(ulong SequenceNumber, FragmentIndexEntry Entry, IReadOnlyList<ulong> Starts, IReadOnlyList<ulong> Durations, int Version = 0);
