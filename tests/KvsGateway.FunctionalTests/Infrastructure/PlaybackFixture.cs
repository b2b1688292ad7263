using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Wire;
using KvsGateway.Media.Matroska;
using KvsGateway.Testing;

namespace KvsGateway.FunctionalTests.Infrastructure;

/// <summary>
/// One gateway, with the committed H.264 fixture ingested through PutMedia into a stream of tenant
/// <c>acme</c> and one of tenant <c>other</c>.
/// </summary>
public sealed class PlaybackFixture : IAsyncLifetime
{
    public const string Stream = "acme-cam";
    public const string OtherStream = "other-cam";

    private readonly RedisServer _redis = new();

    public GatewayHost Host { get; private set; } = null!;

    public string RedisConnectionString => _redis.ConnectionString;

    public IReadOnlyList<PutMediaAck> Acks { get; private set; } = [];

    public IReadOnlyList<MatroskaCluster> SourceClusters { get; private set; } = [];

    public DateTimeOffset IngestStarted { get; private set; }

    public DateTimeOffset IngestEnded { get; private set; }

    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        Host = await GatewayHost.StartAsync(_redis.ConnectionString);
        var emulator = Host.EmulatorClient();
        IngestStarted = DateTimeOffset.UtcNow.AddSeconds(-1);
        Acks = await IngestAsync(emulator, Stream, "h264.mkv");
        await IngestAsync(emulator, OtherStream, "h264.mkv");
        IngestEnded = DateTimeOffset.UtcNow.AddSeconds(1);
        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);

        SourceClusters = (await FixtureMedia.ReadAsync(FixturePath("h264.mkv"))).Clusters;
    }

    /// <summary>
    /// Ingests a fixture and waits until its fragments are in the past; returns a start time from
    /// before the ingest, for a session range that covers them all.
    /// </summary>
    public static async Task<DateTimeOffset> IngestPlayableAsync(KvsClient emulator, string stream, string fixture)
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        await IngestAsync(emulator, stream, fixture);
        await WallClock.IngestInThePastAsync(DateTimeOffset.UtcNow);
        return since;
    }

    public static Task<IReadOnlyList<PutMediaAck>> IngestAsync(KvsClient emulator, string stream, string fixture) =>
        IngestAsyncWithRetention(emulator, stream, fixture, 24);

    public static async Task<IReadOnlyList<PutMediaAck>> IngestAsyncWithRetention(KvsClient emulator, string stream, string fixture, int retentionHours)
    {
        await emulator.CreateStreamAsync(new CreateStreamInput { StreamName = stream, DataRetentionInHours = retentionHours });
        await using var body = File.OpenRead(FixturePath(fixture));
        var acks = new List<PutMediaAck>();
        await foreach (var ack in emulator.PutMediaAsync(new PutMediaRequest { StreamName = stream, Body = body, ProducerStartTimestamp = DateTimeOffset.UtcNow }))
        {
            acks.Add(ack);
        }

        return acks;
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
