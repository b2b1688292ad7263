namespace KvsGateway.Media.Mp4;

/// <summary>A track of a clip: its format and, per fragment of the clip, its chunk.</summary>
public sealed record ClipTrack(TrackFormat Format, IReadOnlyList<ClipChunk> Chunks);
