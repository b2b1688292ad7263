using KvsGateway.Media.Matroska;
using KvsGateway.Testing;

namespace KvsGateway.Tests.Matroska;

/// <summary>
/// Lacing lets a few bytes describe many frames. Before these bounds, fixed-size lacing of 256
/// zero-byte frames (7 bytes a block) made the reader allocate about 2,000 times what it received.
/// </summary>
public sealed class MatroskaBoundsTests
{
    [Fact]
    public async Task Zero_length_laced_frames_are_a_format_error()
    {
        var body = await HostileAsync(HostileMatroska.Lacing.FixedZeroLength, 1 << 20, 64 << 10);
        var error = await Assert.ThrowsAsync<MatroskaFormatException>(() => ReadAllAsync(body, new MatroskaReaderOptions { MaxFramesPerBlock = 256 }));
        Assert.Equal(MatroskaError.Malformed, error.Error);
        Assert.Contains("zero bytes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, new byte[] { 0x02, 0x00, 0x01 })] // Xiph lacing, three frames: the first of 0 bytes
    [InlineData(3, new byte[] { 0x02, 0x80, 0xBF })] // EBML lacing, three frames: 0, then +0
    public void Zero_length_frames_are_refused_in_every_lacing(int lacing, byte[] laceHeader)
    {
        byte[] block = [0x81, 0x00, 0x00, (byte)(0x80 | (lacing << 1)), .. laceHeader, 0x65, 0x65, 0x65];
        var error = Assert.Throws<MatroskaFormatException>(() => MatroskaBlockParser.Parse(block, isSimpleBlock: true, 0, null, null, [], new MatroskaReaderOptions()));
        Assert.Contains("zero bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_block_may_lace_only_so_many_frames()
    {
        var body = await HostileAsync(HostileMatroska.Lacing.Fixed, 64 << 10, 8 << 10, frameBytes: 16, framesPerBlock: 65);
        var error = await Assert.ThrowsAsync<MatroskaFormatException>(() => ReadAllAsync(body, new MatroskaReaderOptions()));
        Assert.Contains("at most 64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_may_hold_only_so_many_frames()
    {
        var body = await HostileAsync(HostileMatroska.Lacing.None, 64 << 10, 32 << 10, frameBytes: 16);
        var error = await Assert.ThrowsAsync<MatroskaFormatException>(() => ReadAllAsync(body, new MatroskaReaderOptions { MaxFramesPerCluster = 1000 }));
        Assert.Contains("more than 1000 frames", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HostileMatroska.Lacing.Fixed, 1)]
    [InlineData(HostileMatroska.Lacing.None, 1)]
    public async Task Frames_denser_than_the_minimum_are_refused(HostileMatroska.Lacing lacing, int frameBytes)
    {
        var body = await HostileAsync(lacing, 256 << 10, 32 << 10, frameBytes, framesPerCluster: 5000);
        var error = await Assert.ThrowsAsync<MatroskaFormatException>(() => ReadAllAsync(body, new MatroskaReaderOptions()));
        Assert.Contains("bytes a frame are expected", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The densest input the reader accepts, four megabytes of it: the reader allocates a small
    /// multiple of what it was sent (the frame table of each cluster and its bytes), not thousands.
    /// </summary>
    [Theory]
    [InlineData(HostileMatroska.Lacing.Fixed, 8)]
    [InlineData(HostileMatroska.Lacing.None, 2)]
    public async Task The_densest_accepted_input_costs_a_small_multiple_of_its_bytes(HostileMatroska.Lacing lacing, int frameBytes)
    {
        var body = await HostileAsync(lacing, 4 << 20, 64 << 10, frameBytes, framesPerCluster: 8000);
        var before = GC.GetAllocatedBytesForCurrentThread();

        // A MemoryStream completes every read at once: the whole read stays on this thread.
        var frames = await ReadAllAsync(body, new MatroskaReaderOptions());
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(frames > 400_000, $"{frames} frames");
        Assert.True(allocated < 10L * body.Length, $"{allocated} bytes allocated for {body.Length} received ({(double)allocated / body.Length:0.0}x)");
    }

    private static async Task<byte[]> HostileAsync(HostileMatroska.Lacing lacing, int totalBytes, int clusterBytes, int frameBytes = 1, int framesPerBlock = 64, int framesPerCluster = int.MaxValue) =>
        HostileMatroska.Build(await File.ReadAllBytesAsync(Fixtures.PathOf("h264-aac.mkv")), lacing, totalBytes, clusterBytes, frameBytes, framesPerBlock, framesPerCluster);

    private static async Task<long> ReadAllAsync(byte[] body, MatroskaReaderOptions options)
    {
        var reader = new MatroskaReader(new MemoryStream(body), options);
        long frames = 0;
        while (await reader.ReadClusterAsync() is { } cluster)
        {
            frames += cluster.Frames.Count;
        }

        return frames;
    }
}
