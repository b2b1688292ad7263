using System.IO.Pipelines;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Wire;
using KvsGateway.Media.Matroska;
using KvsGateway.Testing;

namespace KvsGateway.FunctionalTests;

/// <summary>The PutMedia protocol as a producer lives it: ACKs while uploading, IDLE while quiet.</summary>
public sealed class PutMediaTests : IClassFixture<PlaybackFixture>
{
    private readonly PlaybackFixture _fixture;

    public PutMediaTests(PlaybackFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task Acks_arrive_while_the_upload_is_still_open_and_idle_events_fill_the_silence()
    {
        var emulator = _fixture.Host.EmulatorClient();
        await emulator.CreateStreamAsync(new CreateStreamInput { StreamName = "acme-duplex", DataRetentionInHours = 1 });
        var (header, clusters) = await FixtureMedia.ReadAsync(PlaybackFixture.FixturePath("h264.mkv"));
        var pipe = new Pipe();
        var body = pipe.Writer.AsStream();
        var writer = new MatroskaWriter(body);
        await writer.WriteHeaderAsync(header);
        await writer.WriteClusterAsync(clusters[0], 0);
        await body.FlushAsync();

        var acks = new List<PutMediaAck>();
        await using var events = emulator.PutMediaAsync(new PutMediaRequest { StreamName = "acme-duplex", Body = pipe.Reader.AsStream() }).GetAsyncEnumerator();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (acks.Count(a => a.EventType == "IDLE") == 0)
        {
            Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(timeout.Token));
            acks.Add(events.Current);
        }

        // The first fragment was persisted and acknowledged although the upload never ended.
        Assert.Equal(["BUFFERING", "RECEIVED", "PERSISTED", "IDLE"], acks.Select(a => a.EventType));

        await writer.WriteClusterAsync(clusters[1], 0);
        await body.FlushAsync();
        await body.DisposeAsync();
        while (await events.MoveNextAsync().AsTask().WaitAsync(timeout.Token))
        {
            acks.Add(events.Current);
        }

        Assert.Equal(2, acks.Count(a => a.EventType == "PERSISTED"));
        Assert.Equal(2000, acks.Last(a => a.EventType == "PERSISTED").FragmentTimecode);
    }

    [Fact]
    public async Task An_unknown_stream_or_a_missing_timecode_type_is_a_KVS_error_before_any_ack()
    {
        var emulator = _fixture.Host.EmulatorClient();
        await using var body = File.OpenRead(PlaybackFixture.FixturePath("h264.mkv"));
        var missing = await Assert.ThrowsAsync<KvsGateway.Kvs.Errors.KvsException>(async () =>
        {
            await foreach (var ack in emulator.PutMediaAsync(new PutMediaRequest { StreamName = "acme-nowhere", Body = body }))
            {
            }
        });
        Assert.Equal("ResourceNotFoundException", missing.ErrorType);

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_fixture.Host.Emulator, "/putMedia")) { Content = new ByteArrayContent([]) };
        request.Headers.Add("x-amzn-stream-name", PlaybackFixture.Stream);
        using var response = await http.SendAsync(request);
        await KvsAssert.ErrorAsync(response, 400, "InvalidArgumentException");
    }
}
