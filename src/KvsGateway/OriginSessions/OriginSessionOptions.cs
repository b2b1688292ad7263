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

    /// <summary>How long a session URL request waits for another replica that is creating the origin session it needs.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan JoinTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
