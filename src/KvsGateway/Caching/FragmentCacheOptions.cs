using System.ComponentModel.DataAnnotations;

namespace KvsGateway.Caching;

/// <summary>Section <c>Playback</c>: the shared fragment cache.</summary>
public sealed class FragmentCacheOptions
{
    public const string SectionName = "Playback";

    /// <summary>
    /// Memory for fragments shared by viewers, in bytes (0 turns the cache off: every request goes to
    /// the origin). The default, 256 MiB, suits a 1–2 GB container: a minute of a 4 Mbit/s stream is
    /// 30 MB, so it holds the live edge of several busy streams.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long FragmentCacheBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The largest fragment kept (KVS fragments are at most 50 MB); a larger one is still fetched once for all its waiting viewers.</summary>
    [Range(1, long.MaxValue)]
    public long MaxCachedFragmentBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// A fragment no viewer asked for in this long leaves the cache (nginx's <c>inactive</c>): a LIVE
    /// edge moves on and what its viewers fetched is not asked for again, so without it the cache
    /// fills to its bound with fragments no one will read. Viewers of one range share as long as they
    /// ask within this of each other.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FragmentIdleTime { get; set; } = TimeSpan.FromMinutes(2);
}
