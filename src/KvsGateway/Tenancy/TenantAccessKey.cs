namespace KvsGateway.Tenancy;

/// <summary>
/// One SigV4 key pair of a tenant. The secret is given inline, or by reference to an environment
/// variable or a file (a mounted secret) so it need not sit in configuration. It is never logged.
/// </summary>
public sealed class TenantAccessKey
{
    public string AccessKeyId { get; set; } = string.Empty;

    public string SecretAccessKey { get; set; } = string.Empty;

    /// <summary>Name of an environment variable holding the secret.</summary>
    public string? SecretAccessKeyFromEnvironment { get; set; }

    /// <summary>Path of a file holding the secret (surrounding whitespace ignored).</summary>
    public string? SecretAccessKeyFile { get; set; }

    /// <summary>The secret from whichever source is set; an empty string when none is.</summary>
    public string ResolveSecret()
    {
        if (!string.IsNullOrEmpty(SecretAccessKeyFromEnvironment))
        {
            return Environment.GetEnvironmentVariable(SecretAccessKeyFromEnvironment)?.Trim() ?? string.Empty;
        }

        if (!string.IsNullOrEmpty(SecretAccessKeyFile))
        {
            // Read when configuration loads or reloads, never per request.
            return File.Exists(SecretAccessKeyFile) ? File.ReadAllText(SecretAccessKeyFile).Trim() : string.Empty;
        }

        return SecretAccessKey;
    }

    public override string ToString() => AccessKeyId;
}
