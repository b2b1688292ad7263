using Microsoft.Extensions.Options;

namespace KvsGateway.Tokens;

/// <summary>Refuses to start without a usable active key: a gateway that cannot issue tokens is useless.</summary>
public sealed class SessionTokenOptionsValidator : IValidateOptions<SessionTokenOptions>
{
    public ValidateOptionsResult Validate(string? name, SessionTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.ActiveKeyId) || !options.Keys.ContainsKey(options.ActiveKeyId))
        {
            return ValidateOptionsResult.Fail("Tokens:ActiveKeyId must name one of Tokens:Keys.");
        }

        foreach (var (id, value) in options.Keys)
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(value);
            }
            catch (FormatException)
            {
                return ValidateOptionsResult.Fail($"Tokens:Keys:{id} is not base64.");
            }

            if (key.Length != 64)
            {
                return ValidateOptionsResult.Fail($"Tokens:Keys:{id} must be 64 bytes (A256CBC-HS512), but is {key.Length}.");
            }
        }

        return ValidateOptionsResult.Success;
    }
}
