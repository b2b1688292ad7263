using System.Globalization;
using System.Text.Json;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Wire;
using KvsGateway.Testing;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// Mutated Matroska bodies posted to the emulator's PutMedia endpoint: each answers with well-formed
/// ACK lines (ERROR where the input is bad) or a KVS error, never a 5xx and never a hang. CI runs 3,000;
/// <c>KVSGW_FUZZ_HTTP_COUNT=100000 bash tests/run.sh --filter PutMediaFuzz</c> runs the full set.
/// </summary>
public sealed class PutMediaFuzzTests : IClassFixture<PlaybackFixture>
{
    private static readonly string[] Sources = ["h264.mkv", "h264-aac.mkv", "h264-ulaw.mkv", "aac.mkv"];
    private static readonly HashSet<string> EventTypes = ["BUFFERING", "RECEIVED", "PERSISTED", "ERROR", "IDLE"];
    private readonly PlaybackFixture _fixture;

    public PutMediaFuzzTests(PlaybackFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task Mutated_bodies_get_acks_or_KVS_errors()
    {
        var count = int.Parse(Environment.GetEnvironmentVariable("KVSGW_FUZZ_HTTP_COUNT") ?? "3000", CultureInfo.InvariantCulture);
        var seed = int.Parse(Environment.GetEnvironmentVariable("KVSGW_FUZZ_SEED") ?? "20261125", CultureInfo.InvariantCulture);
        await _fixture.Host.EmulatorClient().CreateStreamAsync(new CreateStreamInput { StreamName = "acme-fuzz", DataRetentionInHours = 1 });
        var sources = Sources.Select(s => File.ReadAllBytes(PlaybackFixture.FixturePath(s))).ToArray();
        using var http = new HttpClient { BaseAddress = _fixture.Host.Emulator, Timeout = TimeSpan.FromSeconds(20) };
        var errors = 0;
        for (var i = 0; i < count; i++)
        {
            var body = MatroskaMutator.Mutate(sources[i % sources.Length], seed, i);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/putMedia") { Content = new ByteArrayContent(body) };
            request.Headers.Add("x-amzn-stream-name", "acme-fuzz");
            request.Headers.Add("x-amzn-fragment-timecode-type", "RELATIVE");
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var context = $"input {i} of seed {seed}: {(int)response.StatusCode} {text[..Math.Min(300, text.Length)]}";
            Assert.True((int)response.StatusCode is 200 or (>= 400 and < 500), context);
            if ((int)response.StatusCode != 200)
            {
                Assert.True(response.Headers.Contains("x-amzn-ErrorType"), context);
                continue;
            }

            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var ack = JsonSerializer.Deserialize(line, KvsJsonContext.Default.PutMediaAck);
                Assert.True(ack?.EventType is { } type && EventTypes.Contains(type), context);
                if (ack!.EventType == "ERROR")
                {
                    errors++;
                    Assert.True(ack.ErrorId is >= 4000 and < 6000, context);
                }
            }
        }

        Assert.True(errors > count / 20, $"only {errors} of {count} mutated bodies were refused: the mutations may not reach the parser");
    }
}
