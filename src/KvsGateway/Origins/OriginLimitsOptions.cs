using System.ComponentModel.DataAnnotations;

namespace KvsGateway.Origins;

/// <summary>
/// Section <c>OriginLimits</c>: the rates the gateway keeps to toward its origin, KVS's own by
/// default (per origin session: manifests, init and media fragments a second; per stream: media
/// fragments, fragment metadata points and session URLs a second). Counted in Redis, so the
/// replicas together keep them.
/// </summary>
public sealed class OriginLimitsOptions
{
    public const string SectionName = "OriginLimits";

    [Range(1, 1_000_000)]
    public int ManifestsPerSession { get; set; } = 5;

    [Range(1, 1_000_000)]
    public int InitFragmentsPerSession { get; set; } = 5;

    [Range(1, 1_000_000)]
    public int MediaFragmentsPerSession { get; set; } = 20;

    [Range(1, 1_000_000)]
    public int MediaFragmentsPerStream { get; set; } = 500;

    [Range(1, 10_000_000)]
    public int MetadataPointsPerStream { get; set; } = 10_000;

    [Range(1, 1_000_000)]
    public int SessionUrlsPerStream { get; set; } = 25;

    /// <summary>
    /// How long a request may take to reach the origin. The origin counts a request in the second it
    /// arrives: one taken this close to a second's end is counted in the next second's window as well,
    /// so a second's requests at the origin are never more than the window let through.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:00.500")]
    public TimeSpan TransitAllowance { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a request may wait for the next second's budget before it is answered <c>ClientLimitExceededException</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(2);
}
