using Microsoft.Extensions.Options;

namespace KvsGateway.Admin;

/// <summary>Checks <c>Admin</c> at start-up (source-generated from its annotations and rules).</summary>
[OptionsValidator]
public sealed partial class AdminOptionsValidator : IValidateOptions<AdminOptions>;
