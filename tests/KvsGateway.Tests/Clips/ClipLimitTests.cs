using KvsGateway.Emulator.Clips;
using KvsGateway.Emulator.Storage;

namespace KvsGateway.Tests.Clips;

/// <summary>GetClip holds at most the first 200 fragments or 100 MB of its range (kvs-hls-clip-api.md §7).</summary>
public sealed class ClipLimitTests
{
    [Fact]
    public void A_clip_stops_at_200_fragments()
    {
        var clip = ClipHandler.Limit(Fragments(250, 1000), ClipHandler.MaxFragments, ClipHandler.MaxBytes);
        Assert.Equal(200, clip.Count);
        Assert.Equal("1", clip[0].FragmentNumber);
        Assert.Equal("200", clip[^1].FragmentNumber);
    }

    [Fact]
    public void A_clip_stops_before_the_fragment_that_would_pass_100_MB_but_always_holds_the_first()
    {
        var clip = ClipHandler.Limit(Fragments(10, 30L * 1024 * 1024), ClipHandler.MaxFragments, ClipHandler.MaxBytes);
        Assert.Equal(3, clip.Count);
        Assert.Single(ClipHandler.Limit(Fragments(2, 200L * 1024 * 1024), ClipHandler.MaxFragments, ClipHandler.MaxBytes));
    }

    private static IEnumerable<FragmentIndexEntry> Fragments(int count, long size) =>
        Enumerable.Range(1, count).Select(i => new FragmentIndexEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UnixEpoch.AddSeconds(i * 2), DateTimeOffset.UnixEpoch.AddSeconds(i * 2), 2000, size, "/nonexistent"));
}
