namespace KvsGateway.Media.MpegTs;

/// <summary>
/// One access unit to mux: its stored bytes (H.264 length-prefixed NAL units, or one raw AAC frame)
/// and its decode and presentation times in 90 kHz ticks.
/// </summary>
public readonly record struct TsSample(ReadOnlyMemory<byte> Data, long Dts, long Pts, bool IsKeyFrame);
