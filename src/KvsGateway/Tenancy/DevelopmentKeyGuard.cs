using KvsGateway.Tokens;

namespace KvsGateway.Tenancy;

/// <summary>
/// Outside Development, refuses to start while any tenant key or token key is one of the
/// development keys published in this repository: those are known to everyone who can read it.
/// </summary>
public static class DevelopmentKeyGuard
{
    public const string DevelopmentAccessKeyId = "AKIDKVSGWDEMO";
    public const string DevelopmentSecret = "kvsgw-demo-secret";

    public static void Check(IConfiguration configuration, IHostEnvironment environment, string developmentSettingsPath)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        if (environment.IsDevelopment())
        {
            return;
        }

        foreach (var tenant in configuration.GetSection(TenantOptions.SectionName).GetChildren())
        {
            foreach (var key in tenant.GetSection("AccessKeys").GetChildren())
            {
                if (key["AccessKeyId"] == DevelopmentAccessKeyId || key["SecretAccessKey"] == DevelopmentSecret)
                {
                    throw new InvalidOperationException($"Tenant '{tenant.Key}' uses the development key; it is public and allowed only in Development.");
                }
            }
        }

        var developmentKeys = new ConfigurationBuilder().AddJsonFile(developmentSettingsPath, optional: true).Build()
            .GetSection($"{SessionTokenOptions.SectionName}:Keys").GetChildren().Select(k => k.Value).ToHashSet();
        foreach (var key in configuration.GetSection($"{SessionTokenOptions.SectionName}:Keys").GetChildren())
        {
            if (key.Value is { Length: > 0 } value && developmentKeys.Contains(value))
            {
                throw new InvalidOperationException($"Token key '{key.Key}' is the development key; it is public and allowed only in Development.");
            }
        }
    }
}
