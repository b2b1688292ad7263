using Microsoft.Extensions.Options;

namespace KvsGateway.Authentication;

/// <summary>
/// Refuses start-up with bearer issuers that cannot be used safely: no audience (a token minted for
/// another service would open sessions here), no keys, keys too short, or a JWKS document fetched
/// over plain http outside Development.
/// </summary>
public sealed class GatewayAuthenticationOptionsValidator : IValidateOptions<GatewayAuthenticationOptions>
{
    private readonly bool _development;

    public GatewayAuthenticationOptionsValidator(IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _development = environment.IsDevelopment();
    }

    public ValidateOptionsResult Validate(string? name, GatewayAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.FailuresPerAddressPerSecond is < 1 or > 100_000)
        {
            failures.Add("Authentication:FailuresPerAddressPerSecond must be between 1 and 100000.");
        }

        foreach (var region in options.AllowedRegions)
        {
            if (region is not { Length: > 0 and <= 32 } || region.AsSpan().ContainsAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789-"))
            {
                failures.Add($"Authentication:AllowedRegions: '{region}' is not a region name.");
            }
        }

        if (options.Bearer.TopLevelIssuer() is { } top)
        {
            Check(top, "Authentication:Bearer", failures);
        }

        for (var i = 0; i < options.Bearer.Issuers.Count; i++)
        {
            Check(options.Bearer.Issuers[i], $"Authentication:Bearer:Issuers:{i}", failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void Check(BearerIssuerOptions issuer, string setting, List<string> failures)
    {
        if (string.IsNullOrEmpty(issuer.Issuer))
        {
            failures.Add($"{setting}:Issuer is required once keys or an audience are set.");
        }

        if (string.IsNullOrEmpty(issuer.Audience))
        {
            failures.Add($"{setting}:Audience is required: tokens minted for another service must not open sessions here.");
        }

        if (issuer.SigningKeys.Count == 0 && issuer.JwksUri is null)
        {
            failures.Add($"{setting} needs SigningKeys or a JwksUri.");
        }

        foreach (var key in issuer.SigningKeys)
        {
            var bytes = new byte[key.Length];
            if (!Convert.TryFromBase64String(key, bytes, out var length) || length < 32)
            {
                failures.Add($"Each {setting}:SigningKeys entry must be base64 of at least 32 bytes.");
            }
        }

        if (issuer.JwksUri is { } jwks && (!jwks.IsAbsoluteUri || jwks.Scheme is not ("https" or "http") || (jwks.Scheme == "http" && !_development)))
        {
            failures.Add($"{setting}:JwksUri must be an absolute https URL (http is allowed only in Development).");
        }

        if (issuer.JwksKeyLifetime <= TimeSpan.Zero)
        {
            failures.Add($"{setting}:JwksKeyLifetime must be positive.");
        }

        if (string.IsNullOrWhiteSpace(issuer.TenantClaim))
        {
            failures.Add($"{setting}:TenantClaim must name a claim.");
        }
    }
}
