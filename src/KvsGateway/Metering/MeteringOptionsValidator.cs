using Microsoft.Extensions.Options;

namespace KvsGateway.Metering;

/// <summary>Checks <c>Metering</c> at start-up (source-generated from its annotations and rules).</summary>
[OptionsValidator]
public sealed partial class MeteringOptionsValidator : IValidateOptions<MeteringOptions>;
