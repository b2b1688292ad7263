using KvsGateway.Forwarding;
using KvsGateway.Kvs.Errors;
using Microsoft.AspNetCore.Http;

namespace KvsGateway.Tests.Forwarding;

public sealed class OriginUrlsTests
{
    private const string OriginManifest = "https://b-1234.kinesisvideo.us-east-1.amazonaws.com/dash/v1/getDASHManifest.mpd?SessionToken=ORIGIN~TOKEN";

    [Theory]
    [InlineData("SessionToken=GW&TrackNumber=1&SequenceNumber=3")]
    [InlineData("sessiontoken=GW&TrackNumber=1&SequenceNumber=3")]
    [InlineData("SESSIONTOKEN=GW&SequenceNumber=3&TrackNumber=1&Other=x&SessionToken2=y")]
    public void The_origin_request_carries_the_origin_token_and_only_the_allowed_parameters(string clientQuery)
    {
        var url = OriginUrls.ForFragment(OriginManifest, "getMP4MediaFragment.mp4", Query(clientQuery));
        Assert.Equal("https://b-1234.kinesisvideo.us-east-1.amazonaws.com/dash/v1/getMP4MediaFragment.mp4?SessionToken=ORIGIN~TOKEN&TrackNumber=1&SequenceNumber=3", url.AbsoluteUri);
        Assert.DoesNotContain("GW", url.Query, StringComparison.Ordinal);
    }

    // The URL is made as text beside the manifest; Uri's own resolution of the reference is the oracle.
    [Theory]
    [InlineData("https://b-1234.kinesisvideo.us-east-1.amazonaws.com/dash/v1/getDASHManifest.mpd?SessionToken=ORIGIN~TOKEN")]
    [InlineData("http://127.0.0.1:8081/dash/v1/getDASHManifest.mpd?SessionToken=abc%2Bdef&Other=1")]
    [InlineData("HTTP://Origin.Example:80/a/./b/../dash/v1/getDASHManifest.mpd?X=1&SessionToken=t#part")]
    [InlineData("https://origin.example/getDASHManifest.mpd?SessionToken=t")]
    [InlineData("https://origin.example?SessionToken=t")]
    [InlineData("https://origin.example/dash/v1/getDASHManifest.mpd")]
    public void The_origin_url_is_the_reference_resolved_beside_the_manifest(string manifest)
    {
        var url = OriginUrls.ForFragment(manifest, "getMP4MediaFragment.mp4", Query("TrackNumber=2&SequenceNumber=17&SessionToken=GW"));
        var token = Kvs.Playback.SessionTokenParameter.Find(new Uri(manifest).Query);
        Assert.Equal(new Uri(new Uri(manifest), $"getMP4MediaFragment.mp4?SessionToken={token}&TrackNumber=2&SequenceNumber=17").AbsoluteUri, url.AbsoluteUri);
    }

    [Theory]
    [InlineData("TrackNumber=1&SequenceNumber=-3")]
    [InlineData("TrackNumber=1&SequenceNumber=3&SequenceNumber=4")]
    [InlineData("TrackNumber=1%26SessionToken%3Dx&SequenceNumber=3")]
    [InlineData("TrackNumber=&SequenceNumber=3")]
    public void Parameter_values_that_are_not_a_single_decimal_number_are_refused(string clientQuery)
    {
        var error = Assert.Throws<KvsException>(() => OriginUrls.ForFragment(OriginManifest, "getMP4MediaFragment.mp4", Query(clientQuery)));
        Assert.Equal(KvsErrorTypes.InvalidArgument, error.ErrorType);
    }

    private static QueryCollection Query(string query) => new(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query));
}
