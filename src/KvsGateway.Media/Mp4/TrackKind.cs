namespace KvsGateway.Media.Mp4;

public enum TrackKind
{
    Video,
    Audio,
}
