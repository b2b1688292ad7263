using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;

namespace KvsGateway.Tenancy;

/// <summary>What a tenant may ask for beyond stream scope: its playback modes and its longest session.</summary>
public static class TenantPolicy
{
    public static void Require(Tenant tenant, PlaybackSessionParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(parameters);
        var definition = tenant.Definition;
        var mode = parameters.PlaybackMode.ToWire();
        if (definition.AllowedPlaybackModes.Count > 0 && !definition.AllowedPlaybackModes.Contains(mode, StringComparer.Ordinal))
        {
            throw KvsException.NotAuthorized($"PlaybackMode {mode} is not allowed for this account.");
        }

        if (definition.MaxExpiresSeconds is { } max && parameters.ExpiresSeconds > max)
        {
            throw KvsException.InvalidArgument($"Expires {parameters.ExpiresSeconds} exceeds this account's maximum of {max} seconds.");
        }
    }
}
