using Microsoft.Extensions.Options;

namespace KvsGateway.Caching;

/// <summary>Checks <c>Playback</c> at start-up (source-generated from its annotations).</summary>
[OptionsValidator]
public sealed partial class FragmentCacheOptionsValidator : IValidateOptions<FragmentCacheOptions>;
