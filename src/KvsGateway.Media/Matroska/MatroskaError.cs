namespace KvsGateway.Media.Matroska;

/// <summary>Why a Matroska input was refused; ingest maps these to KVS error ids.</summary>
public enum MatroskaError
{
    Malformed,
    Truncated,
    FragmentTooLarge,
    FragmentTooLong,
    TimecodeWentBackwards,
    MissingTracks,
}
