using KvsGateway.Media.Matroska;
using KvsGateway.Media.Packaging;

namespace KvsGateway.Emulator.Storage;

/// <summary>One track of a stored fragment: its Matroska description, frame table and where its bytes are.</summary>
public sealed record StoredTrack(MatroskaTrack Track, IReadOnlyList<FrameInfo> Frames, long DataOffset, long DataLength);
