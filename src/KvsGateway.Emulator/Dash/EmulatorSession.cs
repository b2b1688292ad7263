using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Validation;

namespace KvsGateway.Emulator.Dash;

/// <summary>A DASH streaming session of the emulator: the fragments it lists and their timelines.</summary>
public sealed record EmulatorSession
{
    public required string Token { get; init; }

    public required StreamRecord Stream { get; init; }

    public required DashSessionParameters Parameters { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The fragments in session order; sequence number n is element n-1.</summary>
    public required IReadOnlyList<FragmentIndexEntry> Fragments { get; init; }

    public required IReadOnlyList<SessionTrack> Tracks { get; init; }

    public SessionTrack? FindTrack(ulong trackNumber) => Tracks.FirstOrDefault(t => t.Format.TrackId == trackNumber);
}
