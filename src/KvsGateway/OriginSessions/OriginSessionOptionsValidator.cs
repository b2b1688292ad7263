using Microsoft.Extensions.Options;

namespace KvsGateway.OriginSessions;

/// <summary>Checks <c>OriginSessions</c> at start-up (source-generated from its annotations).</summary>
[OptionsValidator]
public sealed partial class OriginSessionOptionsValidator : IValidateOptions<OriginSessionOptions>;
