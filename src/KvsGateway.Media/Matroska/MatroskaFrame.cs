namespace KvsGateway.Media.Matroska;

/// <summary>One frame of a block, its time in Segment timecode units (TimecodeScale).</summary>
public readonly record struct MatroskaFrame(
    ulong TrackNumber,
    long Timecode,
    bool IsKeyFrame,
    long? BlockDuration,
    ReadOnlyMemory<byte> Data);
