using System.ComponentModel.DataAnnotations;

namespace KvsGateway.Manifests;

/// <summary>Section <c>Playback</c>: how origin manifests are shared by the viewers of an origin session.</summary>
public sealed class SharedManifestOptions
{
    public const string SectionName = "Playback";

    /// <summary>
    /// How old a LIVE or LIVE_REPLAY origin manifest may be before the next request fetches it again
    /// (so at most 1/interval fetches a second per origin session and replica; KVS allows 5). An
    /// ON_DEMAND manifest does not change and is fetched once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:00:10")]
    public TimeSpan ManifestRefreshInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}
