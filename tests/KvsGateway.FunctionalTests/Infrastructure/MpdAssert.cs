using System.Xml.Linq;

namespace KvsGateway.FunctionalTests.Infrastructure;

/// <summary>The structural rules of the DASH MPD schema that players depend on.</summary>
internal static class MpdAssert
{
    public static readonly XNamespace Dash = "urn:mpeg:dash:schema:mpd:2011";
    public static readonly XNamespace Kvs = "https://kinesisvideo.amazonaws.com/doc/2017-09-30/";

    public static XDocument Valid(string text, bool dynamic)
    {
        var mpd = XDocument.Parse(text);
        var root = mpd.Root!;
        Assert.Equal(Dash + "MPD", root.Name);
        Assert.NotNull(root.Attribute("profiles"));
        Assert.NotNull(root.Attribute("minBufferTime"));
        Assert.Equal(dynamic ? "dynamic" : "static", (string?)root.Attribute("type"));
        if (dynamic)
        {
            Assert.NotNull(root.Attribute("availabilityStartTime"));
            Assert.NotNull(root.Attribute("publishTime"));
            Assert.Equal("PT1S", (string?)root.Attribute("minimumUpdatePeriod"));
            Assert.NotNull(root.Attribute("timeShiftBufferDepth"));
        }
        else
        {
            Assert.NotNull(root.Attribute("mediaPresentationDuration"));
        }

        var period = Assert.Single(root.Elements(Dash + "Period"));
        var sets = period.Elements(Dash + "AdaptationSet").ToList();
        Assert.NotEmpty(sets);
        Assert.Equal("video", (string?)sets[0].Attribute("contentType"));
        foreach (var set in sets)
        {
            Assert.NotNull(set.Attribute("mimeType"));
            var representation = Assert.Single(set.Elements(Dash + "Representation"));
            foreach (var name in new[] { "id", "bandwidth", "codecs" })
            {
                Assert.NotNull(representation.Attribute(name));
            }

            var template = Assert.Single(set.Elements(Dash + "SegmentTemplate"));
            foreach (var name in new[] { "timescale", "initialization", "media", "startNumber" })
            {
                Assert.NotNull(template.Attribute(name));
            }

            Assert.Contains("$Number$", (string)template.Attribute("media")!, StringComparison.Ordinal);
            Assert.False(Uri.IsWellFormedUriString((string)template.Attribute("media")!, UriKind.Absolute));
            var segments = template.Element(Dash + "SegmentTimeline")!.Elements(Dash + "S").ToList();
            Assert.NotEmpty(segments);
            Assert.All(segments, s => Assert.Null(s.Attribute("r")));
            for (var i = 1; i < segments.Count; i++)
            {
                Assert.Equal((ulong)segments[i - 1].Attribute("t")! + (ulong)segments[i - 1].Attribute("d")!, (ulong)segments[i].Attribute("t")!);
            }
        }

        return mpd;
    }
}
