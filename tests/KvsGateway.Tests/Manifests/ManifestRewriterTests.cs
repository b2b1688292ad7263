using System.Text;
using System.Xml.Linq;
using KvsGateway.Kvs.Errors;
using KvsGateway.Manifests;

namespace KvsGateway.Tests.Manifests;

public sealed class ManifestRewriterTests
{
    private const string Origin = """
        <?xml version="1.0" encoding="utf-8"?>
        <MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:kvs="https://kinesisvideo.amazonaws.com/doc/2017-09-30/" type="static" mediaPresentationDuration="PT6S">
          <!-- kept -->
          <Period id="0">
            <BaseURL>media/</BaseURL>
            <AdaptationSet id="0" contentType="video" mimeType="video/mp4">
              <SegmentTemplate timescale="90000" initialization="../getMP4InitFragment.mp4?SessionToken=ORIGIN-TOKEN&amp;TrackNumber=1&amp;X-Extra=a%2Fb" media="../getMP4MediaFragment.mp4?TrackNumber=1&amp;SessionToken=ORIGIN-TOKEN&amp;SequenceNumber=$Number$">
                <SegmentTimeline>
                  <S t="0" d="180000" kvs:ts="1764072000000" kvs:fn="91343852333180001795598985507000000000000000000" />
                </SegmentTimeline>
              </SegmentTemplate>
              <Representation id="1" codecs="avc1.42C00D" bandwidth="37169" width="320" height="240" />
            </AdaptationSet>
          </Period>
        </MPD>
        """;

    private static readonly Uri OriginUrl = new("http://origin.internal:8081/dash/v1/getDASHManifest.mpd?SessionToken=ORIGIN-TOKEN");

    [Fact]
    public async Task Templates_point_at_the_gateway_with_its_token_and_keep_other_parameters()
    {
        var doc = await RewriteAsync(new ManifestRewriteOptions(OriginUrl, "GW.TOKEN", true, true));
        XNamespace dash = "urn:mpeg:dash:schema:mpd:2011";
        var template = doc.Descendants(dash + "SegmentTemplate").Single();
        Assert.Equal("getMP4InitFragment.mp4?SessionToken=GW.TOKEN&TrackNumber=1&X-Extra=a%2Fb", (string?)template.Attribute("initialization"));
        Assert.Equal("getMP4MediaFragment.mp4?TrackNumber=1&SessionToken=GW.TOKEN&SequenceNumber=$Number$", (string?)template.Attribute("media"));
        Assert.Empty(doc.Descendants(dash + "BaseURL"));
        Assert.Equal("avc1.42C00D", (string?)doc.Descendants(dash + "Representation").Single().Attribute("codecs"));
        Assert.Single(doc.DescendantNodes().OfType<XComment>());
        XNamespace kvs = "https://kinesisvideo.amazonaws.com/doc/2017-09-30/";
        var s = doc.Descendants(dash + "S").Single();
        Assert.Equal("1764072000000", (string?)s.Attribute(kvs + "ts"));
        Assert.Equal("91343852333180001795598985507000000000000000000", (string?)s.Attribute(kvs + "fn"));
    }

    [Fact]
    public async Task Kvs_attributes_are_dropped_unless_asked_for_and_no_origin_detail_remains()
    {
        var text = await RewriteTextAsync(new ManifestRewriteOptions(OriginUrl, "GW.TOKEN", false, false));
        Assert.DoesNotContain("kvs:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("kinesisvideo.amazonaws.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ORIGIN-TOKEN", text, StringComparison.Ordinal);
        Assert.DoesNotContain("origin.internal", text, StringComparison.Ordinal);

        var onlyNumber = await RewriteAsync(new ManifestRewriteOptions(OriginUrl, "GW.TOKEN", false, true));
        XNamespace kvs = "https://kinesisvideo.amazonaws.com/doc/2017-09-30/";
        var s = onlyNumber.Descendants().Single(e => e.Name.LocalName == "S");
        Assert.Null(s.Attribute(kvs + "ts"));
        Assert.NotNull(s.Attribute(kvs + "fn"));
    }

    [Fact]
    public async Task Media_on_another_host_and_malformed_xml_are_refused()
    {
        var foreign = Origin.Replace("../getMP4InitFragment.mp4", "http://elsewhere/getMP4InitFragment.mp4", StringComparison.Ordinal);
        await Assert.ThrowsAsync<KvsException>(() => RewriteTextAsync(new ManifestRewriteOptions(OriginUrl, "T", false, false), foreign));
        await Assert.ThrowsAsync<KvsException>(() => RewriteTextAsync(new ManifestRewriteOptions(OriginUrl, "T", false, false), "<MPD><Period>"));
        await Assert.ThrowsAsync<KvsException>(() => RewriteTextAsync(new ManifestRewriteOptions(OriginUrl, "T", false, false), "<!DOCTYPE x [<!ENTITY a 'b'>]><MPD/>"));
    }

    private static async Task<XDocument> RewriteAsync(ManifestRewriteOptions options) => XDocument.Parse(await RewriteTextAsync(options));

    private static async Task<string> RewriteTextAsync(ManifestRewriteOptions options, string? source = null)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(source ?? Origin));
        using var output = new MemoryStream();
        await ManifestRewriter.RewriteAsync(input, output, options, CancellationToken.None);
        return Encoding.UTF8.GetString(output.ToArray());
    }
}
