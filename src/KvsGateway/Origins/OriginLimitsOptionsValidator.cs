using Microsoft.Extensions.Options;

namespace KvsGateway.Origins;

/// <summary>Checks <c>OriginLimits</c> at start-up (source-generated from its annotations).</summary>
[OptionsValidator]
public sealed partial class OriginLimitsOptionsValidator : IValidateOptions<OriginLimitsOptions>;
