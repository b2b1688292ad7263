using Microsoft.Extensions.Options;

namespace KvsGateway.Origins;

/// <summary>Checks <c>Origin</c>'s annotated bounds at start-up (source-generated, no reflection).</summary>
[OptionsValidator]
public sealed partial class OriginOptionsValidator : IValidateOptions<OriginOptions>;
