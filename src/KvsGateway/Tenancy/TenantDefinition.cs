namespace KvsGateway.Tenancy;

/// <summary>A tenant of the operator: its keys and the streams it may reach.</summary>
public sealed class TenantDefinition
{
    public List<TenantAccessKey> AccessKeys { get; set; } = [];

    /// <summary>Stream names (with <c>*</c> wildcards) or full stream ARNs the tenant may play.</summary>
    public List<string> Streams { get; set; } = [];

    /// <summary>Playback modes the tenant may open (<c>LIVE</c>, <c>LIVE_REPLAY</c>, <c>ON_DEMAND</c>); empty allows all.</summary>
    public List<string> AllowedPlaybackModes { get; set; } = [];

    /// <summary>Longest session the tenant may ask for, in seconds; KVS's own ceiling (43200) when unset.</summary>
    public int? MaxExpiresSeconds { get; set; }
}
