using Microsoft.Extensions.Options;

namespace KvsGateway.Authentication;

/// <summary>Refuses start-up with bearer keys that cannot be used or a key source without an issuer.</summary>
public sealed class GatewayAuthenticationOptionsValidator : IValidateOptions<GatewayAuthenticationOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bearer = options.Bearer;
        if (!bearer.Enabled)
        {
            return bearer.SigningKeys.Count > 0 || bearer.JwksUri is not null
                ? ValidateOptionsResult.Fail("Authentication:Bearer has keys but no Issuer.")
                : ValidateOptionsResult.Success;
        }

        if (bearer.SigningKeys.Count == 0 && bearer.JwksUri is null)
        {
            return ValidateOptionsResult.Fail("Authentication:Bearer needs SigningKeys or a JwksUri.");
        }

        foreach (var key in bearer.SigningKeys)
        {
            var bytes = new byte[key.Length];
            if (!Convert.TryFromBase64String(key, bytes, out var length) || length < 32)
            {
                return ValidateOptionsResult.Fail("Each Authentication:Bearer:SigningKeys entry must be base64 of at least 32 bytes.");
            }
        }

        return string.IsNullOrWhiteSpace(bearer.TenantClaim)
            ? ValidateOptionsResult.Fail("Authentication:Bearer:TenantClaim must name a claim.")
            : ValidateOptionsResult.Success;
    }
}
