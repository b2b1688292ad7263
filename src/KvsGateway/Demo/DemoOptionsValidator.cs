using Microsoft.Extensions.Options;

namespace KvsGateway.Demo;

/// <summary>Checks <c>Demo</c> at start-up (source-generated from its annotations and rules).</summary>
[OptionsValidator]
public sealed partial class DemoOptionsValidator : IValidateOptions<DemoOptions>;
