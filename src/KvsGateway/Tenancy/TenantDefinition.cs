namespace KvsGateway.Tenancy;

/// <summary>A tenant of the operator: its keys, the streams it may reach and its limits.</summary>
public sealed class TenantDefinition
{
    public List<TenantAccessKey> AccessKeys { get; set; } = [];

    /// <summary>Stream names (with <c>*</c> wildcards) or full stream ARNs the tenant may play.</summary>
    public List<string> Streams { get; set; } = [];

    /// <summary>A disabled tenant is refused everything; its sessions stop.</summary>
    public bool Disabled { get; set; }

    /// <summary>Playback modes the tenant may open (<c>LIVE</c>, <c>LIVE_REPLAY</c>, <c>ON_DEMAND</c>); empty allows all.</summary>
    public List<string> AllowedPlaybackModes { get; set; } = [];

    /// <summary>Longest session the tenant may ask for, in seconds; KVS's own ceiling (43200) when unset.</summary>
    public int? MaxExpiresSeconds { get; set; }

    /// <summary>Sessions the tenant may hold open at once, over all replicas; unlimited when unset (as KVS).</summary>
    public int? MaxConcurrentSessions { get; set; }

    /// <summary>
    /// Control-plane calls of any kind per second, counted on each replica before the request is
    /// parsed: the ceiling that keeps refused calls from flooding anything.
    /// </summary>
    public int ControlPlaneRequestsPerSecond { get; set; } = 100;

    /// <summary>GetDASHStreamingSessionURL calls per stream per second (KVS: 25).</summary>
    public int SessionUrlsPerStreamPerSecond { get; set; } = 25;

    /// <summary>GetDataEndpoint calls per stream per second (KVS: 5).</summary>
    public int DataEndpointsPerStreamPerSecond { get; set; } = 5;

    /// <summary>Playback requests per session per second (KVS: 5 manifests, 5 init fragments, 20 media fragments).</summary>
    public PlaybackRates PlaybackRates { get; set; } = new();

    /// <summary>Outgoing playback bytes allowed per calendar month (UTC); unlimited when unset.</summary>
    public long? MonthlyOutgoingBytesBudget { get; set; }
}
