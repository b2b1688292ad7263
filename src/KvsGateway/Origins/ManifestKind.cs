namespace KvsGateway.Origins;

/// <summary>The manifest-like resources of KVS sessions (each has its own rate at the origin).</summary>
public enum ManifestKind
{
    DashManifest,
    HlsMaster,
    HlsMedia,
}
