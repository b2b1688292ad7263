using System.Net;
using KvsGateway.FunctionalTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// The operators' surface lives on a listener of its own: the public port serves only the KVS API,
/// playback, /healthz and /time; the management port serves only /metrics, /readyz, /healthz and the
/// admin API. Before, /metrics (every tenant's names and traffic) and /readyz answered on the public port.
/// </summary>
public sealed class ManagementListenerTests : IClassFixture<PlaybackFixture>
{
    private readonly PlaybackFixture _fixture;

    public ManagementListenerTests(PlaybackFixture fixture)
    {
        _fixture = fixture;
    }

    private GatewayHost Host => _fixture.Host;

    [Theory]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/readyz")]
    [InlineData("GET", "/admin/tenants")]
    [InlineData("GET", "/admin/usage?tenant=acme")]
    [InlineData("GET", "/admin/openapi/v1.json")]
    [InlineData("DELETE", "/admin/tenants/acme/sessions")]
    public async Task Operator_endpoints_do_not_exist_on_the_public_listener(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GatewayHost.AdminToken);
        using var response = await Host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("POST", "/getDASHStreamingSessionURL")]
    [InlineData("POST", "/getDataEndpoint")]
    [InlineData("GET", "/dash/v1/getDASHManifest.mpd?SessionToken=x")]
    [InlineData("GET", "/dash/v1/getMP4MediaFragment.mp4?SessionToken=x&TrackNumber=1&SequenceNumber=1")]
    [InlineData("GET", "/time")]
    [InlineData("GET", "/no-such-path")]
    public async Task Public_endpoints_do_not_exist_on_the_management_listener(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? new StringContent("{}") : null };
        using var response = await Host.ManagementHttp.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Liveness_answers_on_both_listeners_and_metrics_on_the_management_one()
    {
        foreach (var client in new[] { Host.Http, Host.ManagementHttp })
        {
            using var health = await client.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using var metrics = await Host.ManagementHttp.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    /// <summary>
    /// However often /readyz is asked, the origin sees one probe per few seconds: a probe endpoint
    /// cannot be turned into origin API calls. The origin here is a stand-in that counts them.
    /// </summary>
    [Fact]
    public async Task Readiness_is_cached_so_probes_cannot_become_origin_calls()
    {
        var listStreams = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var origin = builder.Build();
        origin.MapPost("/listStreams", () =>
        {
            Interlocked.Increment(ref listStreams);
            return Results.Json(new { StreamInfoList = Array.Empty<object>() });
        });
        await origin.StartAsync();

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await GatewayHost.StartAsync(_fixture.RedisConnectionString, clock, extraArgs: ["--Origin:Mode", "Remote", "--Origin:Endpoint", origin.Urls.First()]);
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var ready = await host.ManagementHttp.GetAsync("/readyz");
            return ready.StatusCode;
        }));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a));
        Assert.Equal(1, listStreams);

        clock.Advance(TimeSpan.FromSeconds(6));
        using (var again = await host.ManagementHttp.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        Assert.Equal(2, listStreams);
    }
}
