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
        MatroskaBlockParser.Parse(block.ToArray(), isSimpleBlock: true, clusterTimecode: 100, isKeyFrameOverride: null, blockDuration: null, parsed, new MatroskaReaderOptions());
        Assert.Equal(frames.Length, parsed.Count);
        for (var i = 0; i < frames.Length; i++)
        {
            Assert.Equal(frames[i], parsed[i].Data.ToArray());
            Assert.Equal(116, parsed[i].Timecode);
            Assert.Equal(1UL, parsed[i].TrackNumber);
        }

        Assert.True(parsed[0].IsKeyFrame);
    }

    [Fact]
    public async Task Block_groups_carry_key_frames_by_the_absence_of_a_reference_and_their_duration()
    {
        static byte[] El(uint id, params byte[][] parts)
        {
            var payload = parts.SelectMany(p => p).ToArray();
            var idBytes = BitConverter.GetBytes(id).Reverse().SkipWhile(b => b == 0).ToArray();
            var size = BitConverter.GetBytes((long)payload.Length).Reverse().Skip(1).ToArray();
            return [.. idBytes, 0x01, .. size, .. payload];
        }

        byte[] Block(short relative) => [0x81, (byte)(relative >> 8), (byte)relative, 0x00, 0xAA, 0xBB];
        var track = El(0xAE, El(0xD7, [1]), El(0x83, [2]), El(0x86, "A_MS/ACM"u8.ToArray()));
        var cluster = El(
            0x1F43B675,
            El(0xE7, [0x03, 0xE8]),
            El(0xA0, El(0xA1, Block(0)), El(0x9B, [20])),
            El(0xA0, El(0xA1, Block(20)), El(0xFB, [0xEC]), El(0x9B, [25])),
            El(0xEC, [0, 0, 0]),
            El(0xBF, [1, 2, 3, 4]));
        var file = El(0x1A45DFA3, El(0x4282, "matroska"u8.ToArray()))
            .Concat(El(0x18538067, El(0x1549A966, El(0x2AD7B1, [0x0F, 0x42, 0x40])), El(0x1654AE6B, track), El(0x1254C367, [1, 2, 3]), cluster))
            .ToArray();

        var reader = new MatroskaReader(new MemoryStream(file));
        var parsed = await reader.ReadClusterAsync();
        Assert.NotNull(parsed);
        Assert.Equal(1000, parsed.Timecode);
        Assert.Equal([true, false], parsed.Frames.Select(f => f.IsKeyFrame));
        Assert.Equal([1000L, 1020L], parsed.Frames.Select(f => f.Timecode));
        Assert.Equal([20L, 25L], parsed.Frames.Select(f => f.BlockDuration!.Value));
        Assert.All(parsed.Frames, f => Assert.Equal(new byte[] { 0xAA, 0xBB }, f.Data.ToArray()));
        Assert.Null(await reader.ReadClusterAsync());
    }

    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
