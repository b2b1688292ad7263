using KvsGateway.Media.Packaging;

namespace KvsGateway.Emulator.Dash;

/// <summary>One track of a session: its format and the synthetic, gap-free timeline of its segments.</summary>
public sealed record SessionTrack(TrackFormat Format, IReadOnlyList<ulong> Starts, IReadOnlyList<ulong> Durations);
