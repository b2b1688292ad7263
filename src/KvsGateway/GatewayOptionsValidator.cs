using Microsoft.Extensions.Options;

namespace KvsGateway;

/// <summary>Checks <c>Gateway</c> at start-up (source-generated from its annotations and rules).</summary>
[OptionsValidator]
public sealed partial class GatewayOptionsValidator : IValidateOptions<GatewayOptions>;
