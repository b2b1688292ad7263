using KvsGateway.Kvs.Manifests;
using KvsGateway.Origins;

namespace KvsGateway.Manifests;

/// <summary>
/// A manifest-like resource of an origin session: DASH's MPD, an HLS master playlist, or the HLS
/// media playlist of one track. Each is fetched, shared and rewritten on its own.
/// </summary>
public readonly record struct ManifestResource(ManifestKind Kind, int Track)
{
    public const string PlaylistContentType = "application/vnd.apple.mpegurl";

    public static ManifestResource DashManifest => new(ManifestKind.DashManifest, 0);

    public static ManifestResource HlsMaster => new(ManifestKind.HlsMaster, 0);

    public static ManifestResource HlsMedia(int track) => new(ManifestKind.HlsMedia, track);

    public bool IsPlaylist => Kind != ManifestKind.DashManifest;

    public string ContentType => IsPlaylist ? PlaylistContentType : MpdNames.ContentType;
}
