using System.ComponentModel.DataAnnotations;

namespace KvsGateway.OriginSessions;

/// <summary>Section <c>OriginSessions</c>: the pool of origin sessions viewers share.</summary>
public sealed class OriginSessionOptions
{
    public const string SectionName = "OriginSessions";

    /// <summary>Whether viewers share origin sessions; off, every viewer session opens its own (as KVS clients do).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The <c>Expires</c> a pooled origin session is opened with. Long, so that viewers arriving
    /// later can join it (a viewer joins only a session that outlives its own); KVS's maximum.
    /// </summary>
    [Range(300, 43_200)]
    public int ExpiresSeconds { get; set; } = 43_200;

    /// <summary>
    /// Whether a pooled origin session whose own budget (KVS: 5 manifests, 5 init and 20 media
    /// fragments a second) is found spent is replaced by a new one for viewers arriving later.
    /// </summary>
    public bool ReplaceSpentSessions { get; set; } = true;

    /// <summary>How long a session URL request waits for another replica that is creating the origin session it needs.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan JoinTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a replica hands out the pool entry it last read before reading it again: another
    /// replica may have replaced it (its budget spent) meanwhile. One Redis read per key per interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromSeconds(1);
}
