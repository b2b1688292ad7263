namespace KvsGateway.Media.Packaging;

public enum TrackKind
{
    Video,
    Audio,
}
