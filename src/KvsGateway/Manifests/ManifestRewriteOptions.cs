namespace KvsGateway.Manifests;

/// <summary>How one origin manifest is rewritten for one client.</summary>
public sealed record ManifestRewriteOptions(Uri OriginManifestUrl, string GatewayToken, bool KeepFragmentTimestamp, bool KeepFragmentNumber);
