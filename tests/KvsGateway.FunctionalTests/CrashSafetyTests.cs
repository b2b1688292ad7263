using System.IO.Pipelines;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Wire;
using KvsGateway.Media.Matroska;
using KvsGateway.Testing;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// The store under SIGKILL: an emulator process is killed while a producer streams into it, three
/// times; after each restart every fragment that was acknowledged PERSISTED is listed and serves the
/// producer's exact bytes, and every listed fragment is whole.
/// </summary>
public sealed class CrashSafetyTests : IAsyncLifetime
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "kvsgw-crash-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Every_persisted_fragment_survives_a_kill_and_no_torn_fragment_is_listed()
    {
        var (header, clusters) = await FixtureMedia.ReadAsync(PlaybackFixture.FixturePath("h264-aac.mkv"));
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        var persisted = new List<(string Number, long Timecode)>();
        long nextTimecode = 0;
        foreach (var killAfter in new[] { 5, 9, 14 })
        {
            var emulator = await HostProcess.StartEmulatorAsync(_dataPath);
            await using (emulator)
            {
                var client = emulator.Client();
                if (persisted.Count == 0)
                {
                    await client.CreateStreamAsync(new CreateStreamInput { StreamName = "crash", DataRetentionInHours = 1 });
                }

                var before = persisted.Count;
                var pipe = new Pipe();
                var producer = ProduceAsync(pipe.Writer.AsStream(), header, clusters, nextTimecode);
                try
                {
                    await foreach (var ack in client.PutMediaAsync(new PutMediaRequest { StreamName = "crash", Body = pipe.Reader.AsStream(), FragmentTimecodeType = "ABSOLUTE" }))
                    {
                        if (ack.EventType == "PERSISTED")
                        {
                            persisted.Add((ack.FragmentNumber!, ack.FragmentTimecode!.Value));
                            if (persisted.Count - before == killAfter)
                            {
                                await emulator.KillAsync();
                            }
                        }
                    }
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException)
                {
                    // The connection died with the process.
                }

                await pipe.Reader.CompleteAsync();
                await producer;
            }

            nextTimecode = ((persisted[^1].Timecode / 100_000) + 1) * 100_000;
        }

        // ACKs already on their way when the process died count too: they were persisted before it.
        Assert.True(persisted.Count >= 5 + 9 + 14, $"{persisted.Count} fragments persisted");
        var restarted = await HostProcess.StartEmulatorAsync(_dataPath);
        await using (restarted)
        {
            var client = restarted.Client();
            var listed = new List<Fragment>();
            string? token = null;
            do
            {
                var page = await client.ListFragmentsAsync(new ListFragmentsInput { StreamName = "crash", MaxResults = 7, NextToken = token });
                listed.AddRange(page.Fragments);
                token = page.NextToken;
            }
            while (token is not null);

            var numbers = listed.Select(f => f.FragmentNumber!).ToHashSet();
            Assert.All(persisted, p => Assert.Contains(p.Number, numbers));
            Assert.Equal(listed.Count, numbers.Count);
            // A kill can leave a few fragments durable whose ACK never left the server; each is still whole (checked below).
            Assert.InRange(listed.Count, persisted.Count, persisted.Count + 12);

            // Serve every listed fragment and compare its video samples with the source cluster it came from.
            await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);
            var session = await client.GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput
            {
                StreamName = "crash",
                PlaybackMode = "ON_DEMAND",
                DashFragmentSelector = new FragmentSelector { FragmentSelectorType = "SERVER_TIMESTAMP", TimestampRange = new TimestampRange { StartTimestamp = started, EndTimestamp = DateTimeOffset.UtcNow.AddSeconds(-0.05) } },
            });
            var manifestUrl = new Uri(session.DashStreamingSessionUrl!);
            var token2 = System.Web.HttpUtility.ParseQueryString(manifestUrl.Query)["SessionToken"];
            using var http = new HttpClient();
            var ordered = listed.OrderBy(f => f.ServerTimestamp).ThenBy(f => f.FragmentNumber, StringComparer.Ordinal).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                var segment = await http.GetByteArrayAsync(new Uri(manifestUrl, $"getMP4MediaFragment.mp4?SessionToken={token2}&TrackNumber=1&SequenceNumber={i + 1}"));
                var boxes = Box.ReadAll(segment, 0, segment.Length);
                var producerMs = ordered[i].ProducerTimestamp.ToUnixTimeMilliseconds();
                var source = clusters.Single(c => c.Timecode == producerMs % 100_000);
                var expected = source.Frames.Where(f => f.TrackNumber == 1).SelectMany(f => f.Data.ToArray()).ToArray();
                Assert.Equal(expected, boxes[1].Payload.ToArray());
            }
        }
    }

    /// <summary>Streams the clusters over and over with ABSOLUTE timecodes, each pass 100 s later, until the consumer goes away.</summary>
    private static async Task ProduceAsync(Stream output, MatroskaSegmentHeader header, List<MatroskaCluster> clusters, long start)
    {
        try
        {
            var writer = new MatroskaWriter(output);
            await writer.WriteHeaderAsync(header);
            for (var pass = 0; pass < 1000; pass++)
            {
                foreach (var cluster in clusters)
                {
                    await writer.WriteClusterAsync(cluster, start + (pass * 100_000));
                }

                await output.FlushAsync();
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
            // The reader side completed: the connection is gone.
        }
    }
}
