using Microsoft.Extensions.Options;

namespace KvsGateway.Manifests;

/// <summary>Checks the manifest options of <c>Playback</c> at start-up (source-generated from their annotations).</summary>
[OptionsValidator]
public sealed partial class SharedManifestOptionsValidator : IValidateOptions<SharedManifestOptions>;
