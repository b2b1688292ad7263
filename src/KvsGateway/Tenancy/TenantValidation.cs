using System.Globalization;
using KvsGateway.Kvs.Validation;

namespace KvsGateway.Tenancy;

/// <summary>
/// The rules a tenants configuration must meet, at start-up and at every reload: a name fit for keys
/// and labels, keys with secrets, access key ids unique across tenants (and, outside Development,
/// never the published development keys), a stream scope, and limits that make sense. Each problem
/// names its setting.
/// </summary>
public static class TenantValidation
{
    private const string NameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

    public static IReadOnlyList<string> Validate(TenantOptions options, bool development)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var keyOwners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, tenant) in options.Tenants)
        {
            var at = $"Tenants:{name}";
            if (name.Length is 0 or > 64 || name.AsSpan().ContainsAnyExcept(NameCharacters))
            {
                problems.Add($"{at}: a tenant name has 1 to 64 letters, digits, '_', '.' or '-' (it becomes part of keys and metric labels).");
            }

            if (tenant.AccessKeys.Count == 0)
            {
                problems.Add($"{at}:AccessKeys: a tenant needs at least one key.");
            }

            for (var i = 0; i < tenant.AccessKeys.Count; i++)
            {
                var key = tenant.AccessKeys[i];
                if (key.AccessKeyId.Length is 0 or > 128 || key.AccessKeyId.AsSpan().ContainsAnyExcept(NameCharacters))
                {
                    problems.Add($"{at}:AccessKeys:{i}:AccessKeyId must be 1 to 128 letters and digits.");
                }
                else if (!keyOwners.TryAdd(key.AccessKeyId, name))
                {
                    problems.Add($"{at}:AccessKeys:{i}:AccessKeyId {key.AccessKeyId} is also a key of tenant {keyOwners[key.AccessKeyId]}: a key id names one tenant.");
                }

                if (key.ResolveSecret().Length == 0)
                {
                    problems.Add($"{at}:AccessKeys:{i}: no secret (SecretAccessKey, SecretAccessKeyFromEnvironment or SecretAccessKeyFile, which must be set and not empty).");
                }

                if (!development && (key.AccessKeyId == DevelopmentKeyGuard.DevelopmentAccessKeyId || key.SecretAccessKey == DevelopmentKeyGuard.DevelopmentSecret))
                {
                    problems.Add($"{at}:AccessKeys:{i} is the development key; it is public and allowed only in Development.");
                }
            }

            if (tenant.Streams.Count == 0 || tenant.Streams.Any(string.IsNullOrWhiteSpace))
            {
                problems.Add($"{at}:Streams: a tenant needs a stream scope (names with * wildcards, or ARNs), none of them empty.");
            }

            foreach (var mode in tenant.AllowedPlaybackModes)
            {
                if (!WireValues.TryParsePlaybackMode(mode, out _))
                {
                    problems.Add($"{at}:AllowedPlaybackModes: '{mode}' is not LIVE, LIVE_REPLAY or ON_DEMAND.");
                }
            }

            Positive(problems, $"{at}:ControlPlaneRequestsPerSecond", tenant.ControlPlaneRequestsPerSecond);
            Positive(problems, $"{at}:SessionUrlsPerStreamPerSecond", tenant.SessionUrlsPerStreamPerSecond);
            Positive(problems, $"{at}:DataEndpointsPerStreamPerSecond", tenant.DataEndpointsPerStreamPerSecond);
            Positive(problems, $"{at}:PlaybackRates:ManifestsPerSecond", tenant.PlaybackRates.ManifestsPerSecond);
            Positive(problems, $"{at}:PlaybackRates:InitFragmentsPerSecond", tenant.PlaybackRates.InitFragmentsPerSecond);
            Positive(problems, $"{at}:PlaybackRates:MediaFragmentsPerSecond", tenant.PlaybackRates.MediaFragmentsPerSecond);
            if (tenant.MaxConcurrentSessions is { } sessions)
            {
                Positive(problems, $"{at}:MaxConcurrentSessions", sessions);
            }

            if (tenant.MaxExpiresSeconds is < 300 or > 43_200)
            {
                problems.Add($"{at}:MaxExpiresSeconds must be between 300 and 43200 (KVS's range for Expires).");
            }

            if (tenant.MonthlyOutgoingBytesBudget is < 0)
            {
                problems.Add($"{at}:MonthlyOutgoingBytesBudget must not be negative.");
            }
        }

        return problems;
    }

    private static void Positive(List<string> problems, string setting, int value)
    {
        if (value < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{setting} must be at least 1 (it is {value})."));
        }
    }
}
