using Microsoft.Extensions.Options;

namespace KvsGateway.Origins;

/// <summary>Checks <c>Origin</c> at start-up (source-generated from its annotations and rules).</summary>
[OptionsValidator]
public sealed partial class OriginOptionsValidator : IValidateOptions<OriginOptions>;
