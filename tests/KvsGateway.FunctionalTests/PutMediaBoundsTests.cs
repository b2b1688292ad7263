using KvsGateway.Emulator;
using KvsGateway.FunctionalTests.Infrastructure;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Signing;
using KvsGateway.Kvs.Wire;
using KvsGateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using KvsGateway.Emulator.Hosting;

namespace KvsGateway.FunctionalTests;

/// <summary>
/// A hostile producer with a valid stream: multi-megabyte PutMedia bodies crafted to make the
/// emulator spend memory out of proportion to what it receives. The whole process's allocations
/// are counted while each body is ingested, so the class runs alone.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class PutMediaBoundsTests : IAsyncLifetime
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "kvsgw-bounds-" + Guid.NewGuid().ToString("N"));
    private WebApplication _emulator = null!;
    private KvsClient _client = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorApplication.StartAsync(new EmulatorOptions { DataPath = _dataPath }, "http://127.0.0.1:0", TimeProvider.System);
        var address = _emulator.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        _client = new KvsClient(new HttpClient(), new KvsClientOptions { ControlEndpoint = new Uri(address), Credentials = new AwsCredentials("AKIDPRODUCER", "producer-secret") }, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// 256 zero-byte frames in every 7-byte block: before the bounds this body made the emulator
    /// allocate gigabytes; now its first block is a format error and the upload ends there.
    /// </summary>
    [Fact]
    public async Task Zero_length_lacing_ends_the_upload_with_an_error_ack()
    {
        var (acks, allocated, body) = await IngestAsync("lacing-zero", HostileMatroska.Lacing.FixedZeroLength, frameBytes: 0);
        Assert.Equal("ERROR", acks[^1].EventType);
        Assert.DoesNotContain(acks, a => a.EventType == "PERSISTED");
        Assert.True(allocated < 4L * body, $"{allocated} bytes allocated for {body} sent");
    }

    /// <summary>
    /// The densest input the emulator accepts (8 bytes a frame, laced or not) is ingested whole, and
    /// the process allocates a small multiple of the bytes it received: each frame's bookkeeping
    /// (the reader's frame table, the stored frame table and its on-disk header: about 140 bytes)
    /// against 8 bytes received; measured 18x. Real media, whose frames are kilobytes, costs about 2x.
    /// </summary>
    [Theory]
    [InlineData(HostileMatroska.Lacing.Fixed, 8)]
    [InlineData(HostileMatroska.Lacing.None, 2)]
    public async Task The_densest_accepted_body_costs_a_small_multiple_of_its_bytes(HostileMatroska.Lacing lacing, int frameBytes)
    {
        var (acks, allocated, body) = await IngestAsync("dense-" + lacing.ToString().ToLowerInvariant(), lacing, frameBytes);
        Assert.DoesNotContain(acks, a => a.EventType == "ERROR");
        Assert.True(acks.Count(a => a.EventType == "PERSISTED") > 50);
        Assert.True(allocated < 20L * body, $"{allocated} bytes allocated for {body} sent ({(double)allocated / body:0.0}x)");
    }

    private async Task<(List<PutMediaAck> Acks, long Allocated, long Body)> IngestAsync(string stream, HostileMatroska.Lacing lacing, int frameBytes)
    {
        await _client.CreateStreamAsync(new CreateStreamInput { StreamName = stream, DataRetentionInHours = 1 });
        var fixture = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "fixtures", "h264-aac.mkv"));
        var body = HostileMatroska.Build(fixture, lacing, 6 << 20, 96 << 10, frameBytes, framesPerCluster: 9000);
        var acks = new List<PutMediaAck>();
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await foreach (var ack in _client.PutMediaAsync(new PutMediaRequest { StreamName = stream, Body = new MemoryStream(body), FragmentTimecodeType = "ABSOLUTE" }))
        {
            acks.Add(ack);
        }

        return (acks, GC.GetTotalAllocatedBytes(precise: true) - before, body.Length);
    }
}
