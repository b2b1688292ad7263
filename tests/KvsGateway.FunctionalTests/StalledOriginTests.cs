using System.Diagnostics;
using System.Text;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// An origin that answers the API, gzips its manifest and stalls on fragments: the gateway inflates
/// and rewrites the manifest, and cuts a stalled fragment after its activity timeout with a KVS
/// error instead of hanging the player.
/// </summary>
public sealed class StalledOriginTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private WebApplication _origin = null!;
    private Uri _originUrl = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _origin = builder.Build();
        _origin.MapPost("/getDataEndpoint", (HttpContext c) => Results.Json(new GetDataEndpointOutput { DataEndpoint = $"{c.Request.Scheme}://{c.Request.Host}" }, KvsJsonContext.Default.GetDataEndpointOutput));
        _origin.MapPost("/getDASHStreamingSessionURL", (HttpContext c) => Results.Json(
            new GetDashStreamingSessionUrlOutput { DashStreamingSessionUrl = $"{c.Request.Scheme}://{c.Request.Host}/dash/v1/getDASHManifest.mpd?SessionToken=ORIGIN" },
            KvsJsonContext.Default.GetDashStreamingSessionUrlOutput));
        _origin.MapGet("/dash/v1/getDASHManifest.mpd", async (HttpContext c) =>
        {
            // Served gzip-compressed, as a CDN or AWS may: the gateway must inflate before rewriting.
            c.Response.ContentType = "application/dash+xml";
            c.Response.Headers.ContentEncoding = "gzip";
            await using var gzip = new System.IO.Compression.GZipStream(c.Response.Body, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true);
            await gzip.WriteAsync(Encoding.UTF8.GetBytes("""
                <?xml version="1.0" encoding="utf-8"?>
                <MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT2S" minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-live:2011">
                  <Period><AdaptationSet mimeType="video/mp4"><SegmentTemplate timescale="1000" initialization="getMP4InitFragment.mp4?SessionToken=ORIGIN&amp;TrackNumber=1" media="getMP4MediaFragment.mp4?SessionToken=ORIGIN&amp;TrackNumber=1&amp;SequenceNumber=$Number$" startNumber="1"><SegmentTimeline><S t="0" d="2000"/></SegmentTimeline></SegmentTemplate><Representation id="1" codecs="avc1.42C00D" bandwidth="1000"/></AdaptationSet></Period>
                </MPD>
                """), c.RequestAborted);
        });
        _origin.MapGet("/dash/v1/getMP4InitFragment.mp4", async (HttpContext c) => await Task.Delay(Timeout.Infinite, c.RequestAborted));
        _origin.MapGet("/dash/v1/getMP4MediaFragment.mp4", async (HttpContext c) =>
        {
            c.Response.ContentType = "video/mp4";
            c.Response.ContentLength = 1000;
            await c.Response.Body.WriteAsync(Encoding.ASCII.GetBytes("partial"), c.RequestAborted);
            await c.Response.Body.FlushAsync(c.RequestAborted);
            await Task.Delay(Timeout.Infinite, c.RequestAborted);
        });
        await _origin.StartAsync();
        _originUrl = new Uri(_origin.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
    }

    public async Task DisposeAsync()
    {
        await _origin.StopAsync();
        await _origin.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_stalled_origin_is_cut_by_the_activity_timeout()
    {
        await using var gateway = await GatewayHost.StartAsync(_redis.ConnectionString, extraArgs:
        [
            "--Origin:Mode", "Remote",
            "--Origin:Endpoint", _originUrl.ToString(),
            "--Origin:ActivityTimeout", "00:00:01",
        ]);
        var url = new Uri((await gateway.GatewayClient().GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput { StreamName = "acme-stalled" })).DashStreamingSessionUrl!);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var manifest = await http.GetStringAsync(url);
        Assert.Contains("getMP4MediaFragment.mp4?SessionToken=" + System.Web.HttpUtility.ParseQueryString(url.Query)["SessionToken"], manifest, StringComparison.Ordinal);
        Assert.DoesNotContain("ORIGIN", manifest, StringComparison.Ordinal);

        // Nothing sent yet: the client gets a KVS error.
        var clock = Stopwatch.StartNew();
        using (var init = await http.GetAsync(new Uri(gateway.Gateway, "/dash/v1/getMP4InitFragment.mp4" + url.Query + "&TrackNumber=1")))
        {
            await KvsAssert.ErrorAsync(init, 504, "ServiceUnavailableException");
        }

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));

        // Part of a body already sent: the only honest signal left is ending the connection.
        clock.Restart();
        using var media = await http.GetAsync(new Uri(gateway.Gateway, "/dash/v1/getMP4MediaFragment.mp4" + url.Query + "&TrackNumber=1&SequenceNumber=1"), HttpCompletionOption.ResponseHeadersRead);
        await Assert.ThrowsAnyAsync<Exception>(async () => await media.Content.ReadAsByteArrayAsync());
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }
}
