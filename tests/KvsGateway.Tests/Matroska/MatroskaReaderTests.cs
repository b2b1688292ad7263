using KvsGateway.Media.Matroska;

namespace KvsGateway.Tests.Matroska;

public sealed class MatroskaReaderTests
{
    [Fact]
    public async Task Reads_every_cluster_of_the_h264_fixture_as_a_fragment()
    {
        await using var file = Fixtures.Open("h264.mkv");
        var reader = new MatroskaReader(file);
        var clusters = new List<MatroskaCluster>();
        while (await reader.ReadClusterAsync() is { } cluster)
        {
            clusters.Add(cluster);
        }

        Assert.Equal(3, clusters.Count);
        Assert.Equal([0L, 2000L, 4000L], clusters.Select(c => c.Timecode));
        Assert.Equal(150, clusters.Sum(c => c.Frames.Count));
        Assert.All(clusters, c => Assert.True(c.Frames[0].IsKeyFrame));
        var track = Assert.Single(reader.Header!.Tracks);
        Assert.Equal("V_MPEG4/ISO/AVC", track.CodecId);
        Assert.Equal(320, track.PixelWidth);
        Assert.Equal(240, track.PixelHeight);
        Assert.Equal(1_000_000, reader.Header.TimecodeScaleNs);
        Assert.Equal(file.Length, reader.Position);
    }

    [Fact]
    public async Task Reads_from_a_stream_that_returns_one_byte_at_a_time()
    {
        var bytes = await File.ReadAllBytesAsync(Fixtures.PathOf("h264.mkv"));
        var reader = new MatroskaReader(new TrickleStream(bytes));
        var frames = 0;
        while (await reader.ReadClusterAsync() is { } cluster)
        {
            frames += cluster.Frames.Count;
        }

        Assert.Equal(150, frames);
    }

    [Fact]
    public async Task A_truncated_cluster_is_a_typed_error()
    {
        var bytes = await File.ReadAllBytesAsync(Fixtures.PathOf("h264.mkv"));
        var reader = new MatroskaReader(new MemoryStream(bytes, 0, bytes.Length - 100));
        var error = await Assert.ThrowsAsync<MatroskaFormatException>(async () =>
        {
            while (await reader.ReadClusterAsync() is not null)
            {
            }
        });
        Assert.Equal(MatroskaError.Truncated, error.Error);
    }

    [Fact]
    public async Task Input_that_is_not_ebml_is_refused()
    {
        var reader = new MatroskaReader(new MemoryStream("hello, this is not matroska"u8.ToArray()));
        await Assert.ThrowsAsync<MatroskaFormatException>(async () => await reader.ReadClusterAsync());
    }

    [Fact]
    public async Task A_cluster_over_the_size_limit_is_refused_before_it_is_read()
    {
        await using var file = Fixtures.Open("h264.mkv");
        var reader = new MatroskaReader(file, new MatroskaReaderOptions { MaxClusterBytes = 1000 });
        var error = await Assert.ThrowsAsync<MatroskaFormatException>(async () => await reader.ReadClusterAsync());
        Assert.Equal(MatroskaError.FragmentTooLarge, error.Error);
    }

    [Theory]
    [InlineData(1)] // Xiph
    [InlineData(2)] // fixed
    [InlineData(3)] // EBML
    public void Laced_blocks_are_split_into_their_frames(int lacing)
    {
        byte[][] frames = lacing == 2 ? [[1, 2, 3], [4, 5, 6], [7, 8, 9]] : [[1, 2, 3], new byte[300], [9]];
        var block = new List<byte> { 0x81, 0x00, 0x10, (byte)(0x80 | (lacing << 1)), (byte)(frames.Length - 1) };
        if (lacing == 1)
        {
            foreach (var frame in frames[..^1])
            {
                var size = frame.Length;
                while (size >= 255)
                {
                    block.Add(255);
                    size -= 255;
                }

                block.Add((byte)size);
            }
        }
        else if (lacing == 3)
        {
            block.Add((byte)(0x80 | frames[0].Length));
            var diff = frames[1].Length - frames[0].Length; // 2-byte signed vint: bias 8191
            var raw = diff + 8191;
            block.Add((byte)(0x40 | (raw >> 8)));
            block.Add((byte)(raw & 0xFF));
        }

        foreach (var frame in frames)
        {
            block.AddRange(frame);
        }

        var parsed = new List<MatroskaFrame>();
        MatroskaBlockParser.Parse(block.ToArray(), isSimpleBlock: true, clusterTimecode: 100, isKeyFrameOverride: null, blockDuration: null, parsed);
        Assert.Equal(frames.Length, parsed.Count);
        for (var i = 0; i < frames.Length; i++)
        {
            Assert.Equal(frames[i], parsed[i].Data.ToArray());
            Assert.Equal(116, parsed[i].Timecode);
            Assert.Equal(1UL, parsed[i].TrackNumber);
        }

        Assert.True(parsed[0].IsKeyFrame);
    }

    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
