namespace KvsGateway.Manifests;

/// <summary>
/// How one origin manifest is rewritten for one client. <paramref name="FragmentNumberSeen"/>, when
/// set, hears each segment's track, sequence number and KVS fragment number (for viewer records).
/// </summary>
public sealed record ManifestRewriteOptions(
    Uri OriginManifestUrl,
    string GatewayToken,
    bool KeepFragmentTimestamp,
    bool KeepFragmentNumber,
    Action<int, long, string>? FragmentNumberSeen = null);
