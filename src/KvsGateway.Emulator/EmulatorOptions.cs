using System.ComponentModel.DataAnnotations;

namespace KvsGateway.Emulator;

/// <summary>Settings of the local KVS stand-in (section <c>Emulator</c>).</summary>
public sealed class EmulatorOptions
{
    public const string SectionName = "Emulator";

    /// <summary>Folder that holds every stream and fragment; survives restarts.</summary>
    [Required]
    public string DataPath { get; set; } = "data/emulator";

    [Required]
    [RegularExpression("^[a-z0-9-]+$")]
    public string Region { get; set; } = "us-east-1";

    [Required]
    [RegularExpression("^[0-9]{12}$")]
    public string AccountId { get; set; } = "000000000000";

    /// <summary>Base URL that GetDataEndpoint answers; empty means the URL the request came in on.</summary>
    public string? DataEndpoint { get; set; }

    /// <summary>KVS refuses fragments over 50 MB.</summary>
    [Range(1024, 1L << 31)]
    public long MaxFragmentBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>A PutMedia connection with nothing else to say sends an IDLE event this often.</summary>
    public TimeSpan PutMediaIdleInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Verify SigV4 on every API call, as AWS does (playback GETs stay token-only). Off: any caller is accepted, as LocalStack does.</summary>
    public bool RequireSignature { get; set; }

    /// <summary>Access key id to secret, used when <see cref="RequireSignature"/> is on.</summary>
    public Dictionary<string, string> Credentials { get; } = new(StringComparer.Ordinal);

    /// <summary>The KVS playback quotas.</summary>
    public QuotaOptions Quotas { get; set; } = new();

    /// <summary>How often fragments past retention are deleted.</summary>
    public TimeSpan RetentionSweepInterval { get; set; } = TimeSpan.FromSeconds(30);
}
