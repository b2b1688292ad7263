using System.Globalization;
using KvsGateway.Media.Codecs;
using KvsGateway.Media.Mp4;
using KvsGateway.Media.MpegTs;

namespace KvsGateway.Tests.MpegTs;

/// <summary>
/// The TS muxer and the clip writer fed mutated input (KVSGW_FUZZ_COUNT, KVSGW_FUZZ_SEED as for the
/// Matroska fuzz run): stored frames with bytes flipped or cut, sample tables of any shape. Each
/// input ends in output that reads back with the structure the standards require, or in a typed
/// error — never another exception.
/// </summary>
public sealed class MediaWriterFuzzTests
{
    [Fact]
    public async Task Mutated_frames_mux_into_well_formed_chunks_or_are_invalid_media_frames()
    {
        var (count, seed) = Settings(20_000);
        var sources = new[] { await TsMuxerTests.FixtureChunkAsync("h264-aac.mkv", 0), await TsMuxerTests.FixtureChunkAsync("h264.mkv", 1), await TsMuxerTests.FixtureChunkAsync("aac.mkv", 2) };
        var outcomes = new Dictionary<string, int>();
        for (var i = 0; i < count; i++)
        {
            var random = new Random(HashCode.Combine(seed, i));
            var (tracks, samples, _) = sources[i % sources.Length];
            var mutated = samples.Select(track => (IReadOnlyList<TsSample>)track.Select(s => Mutate(s, random)).Where(_ => random.Next(20) != 0).ToList()).ToList();
            string outcome;
            try
            {
                var chunk = TsChunk.Read(TsMuxer.Mux(tracks, mutated));
                Assert.Equal(mutated.Sum(t => t.Count), chunk.Streams.Values.Sum(p => p.Count));
                outcome = "ok";
            }
            catch (MediaFormatException ex)
            {
                outcome = ex.Error.ToString();
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        Assert.True(outcomes.GetValueOrDefault("ok") > count / 10, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault(nameof(MediaFormatError.InvalidMediaFrame)) > count / 10, string.Join(", ", outcomes));
    }

    [Fact]
    public void Clip_heads_of_any_sample_table_describe_exactly_their_payload()
    {
        var (count, seed) = Settings(2_000);
        var video = new TrackFormat { TrackId = 1, Kind = TrackKind.Video, Codecs = "avc1.42C00D", Timescale = 90_000, SampleEntryType = "avc1", SampleEntryConfigType = "avcC", SampleEntryConfig = [1, 2, 3], Width = 320, Height = 240 };
        var audio = new TrackFormat { TrackId = 2, Kind = TrackKind.Audio, Codecs = "mp4a.40.2", Timescale = 16_000, SampleEntryType = "mp4a", SampleRate = 16_000, Channels = 1 };
        for (var i = 0; i < count; i++)
        {
            var random = new Random(HashCode.Combine(seed, i));
            var fragments = random.Next(1, 30);
            var formats = random.Next(2) == 0 ? new[] { video } : new[] { video, audio };
            var tracks = formats.Select(f => new ClipTrack(f, Enumerable.Range(0, fragments).Select(_ => new ClipChunk(Enumerable.Range(0, random.Next(0, 60))
                .Select(_ => new Mp4Sample((uint)random.Next(0, 5000), (uint)random.Next(0, 9000), random.Next(-3000, 3000), random.Next(4) == 0)).ToList())).ToList())).ToList();
            var head = ClipMp4Writer.CreateHead(tracks, out var payload);
            Assert.Equal(tracks.Sum(t => t.Chunks.Sum(c => c.Size)), payload);
            var file = new byte[head.Length + payload];
            head.CopyTo(file, 0);
            var top = KvsGateway.Testing.Box.ReadAll(file, 0, file.Length);
            Assert.Equal(["ftyp", "moov", "mdat"], top.Select(b => b.Type));
            Assert.Equal(formats.Length, top[1].Children().Count(b => b.Type == "trak"));
        }
    }

    private static TsSample Mutate(TsSample sample, Random random)
    {
        var data = sample.Data.ToArray();
        switch (random.Next(6))
        {
            case 0 when data.Length > 0:
                data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when data.Length > 0:
                data = data[..random.Next(data.Length)];
                break;
            case 2 when data.Length > 4:
                data[random.Next(4)] = (byte)random.Next(256);
                break;
            case 3:
                return sample with { Data = data, Pts = sample.Pts + random.Next(0, 9000) };
        }

        return sample with { Data = data };
    }

    private static (int Count, int Seed) Settings(int count) => (
        Math.Max(1, int.Parse(Environment.GetEnvironmentVariable("KVSGW_FUZZ_COUNT") ?? "100000", CultureInfo.InvariantCulture) * count / 100_000),
        int.Parse(Environment.GetEnvironmentVariable("KVSGW_FUZZ_SEED") ?? "20261201", CultureInfo.InvariantCulture));
}
