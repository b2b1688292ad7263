namespace KvsGateway.Media.Packaging;

/// <summary>What packaging needs to know of a frame besides its bytes: time, key-frame flag, size.</summary>
public readonly record struct FrameInfo(long Timecode, bool IsKeyFrame, long? BlockDuration, int Size);
