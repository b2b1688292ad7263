using KvsGateway.Media.Codecs;
using KvsGateway.Media.Matroska;
using KvsGateway.Media.Packaging;
using KvsGateway.Testing;

namespace KvsGateway.Tests.Codecs;

public sealed class CodecPrivateDataTests
{
    [Fact]
    public async Task Hevc_codec_private_data_gives_the_annex_E_codecs_string_and_picture_size()
    {
        var track = (await HeaderOfAsync("h265.mkv")).Tracks[0];
        var hevc = HevcDecoderConfiguration.Parse(track.CodecPrivate);
        Assert.Equal("hvc1.1.6.L60.90", hevc.CodecsString);
        Assert.Equal(320, hevc.Width);
        Assert.Equal(240, hevc.Height);
    }

    [Fact]
    public async Task Aac_audio_specific_config_gives_object_type_rate_and_channels()
    {
        var track = (await HeaderOfAsync("h264-aac.mkv")).Tracks[1];
        var aac = AudioSpecificConfig.Parse(track.CodecPrivate);
        Assert.Equal("mp4a.40.2", aac.CodecsString);
        Assert.Equal(16000, aac.SampleRate);
        Assert.Equal(1, aac.Channels);
        Assert.Equal(1024, aac.FrameLength);

        var format = TrackFormatFactory.Create(track, 1_000_000);
        Assert.Equal(16000u, format.Timescale);
        Assert.Equal(1024u, format.FixedSampleDuration);
        Assert.Equal("mp4a", format.SampleEntryType);
        Assert.Equal("esds", format.SampleEntryConfigType);
    }

    [Theory]
    [InlineData(new byte[] { 0x12 }, 1)]
    [InlineData(new byte[] { 0x12, 0x10, 0x56 }, 3)]
    [InlineData(new byte[] { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12 }, 18)]
    public void Aac_config_of_a_wrong_length_is_refused_as_KVS_words_it(byte[] config, int length)
    {
        var error = Assert.Throws<MediaFormatException>(() => AudioSpecificConfig.Parse(config));
        Assert.Equal(MediaFormatError.InvalidCodecPrivateData, error.Error);
        Assert.Equal($"AAC CPD must be of length 2 or 5, but was {length}.", error.Message);
    }

    [Theory]
    [InlineData("h264-alaw.mkv", "alaw")]
    [InlineData("h264-ulaw.mkv", "ulaw")]
    public async Task G711_waveformatex_gives_alaw_or_ulaw_at_8_kHz(string fixture, string codec)
    {
        var track = (await HeaderOfAsync(fixture)).Tracks[1];
        var format = TrackFormatFactory.Create(track, 1_000_000);
        Assert.Equal(codec, format.Codecs);
        Assert.Equal(codec, format.SampleEntryType);
        Assert.Equal(8000u, format.Timescale);
        Assert.Equal(1, format.Channels);
        Assert.Equal(1, format.BytesPerSampleFrame);
    }

    [Fact]
    public void A_waveformatex_that_is_not_g711_is_unsupported_and_a_short_one_invalid()
    {
        var pcm = new byte[18];
        pcm[0] = 1;
        Assert.Equal(MediaFormatError.UnsupportedStreamMediaType, Assert.Throws<MediaFormatException>(() => WaveFormat.Parse(pcm)).Error);
        Assert.Equal(MediaFormatError.InvalidCodecPrivateData, Assert.Throws<MediaFormatException>(() => WaveFormat.Parse(new byte[16])).Error);
        Assert.Equal(MediaFormatError.MissingCodecPrivateData, Assert.Throws<MediaFormatException>(() => WaveFormat.Parse(null)).Error);
    }

    [Theory]
    [InlineData("unsupported-codec.mkv", MediaFormatError.UnsupportedStreamMediaType)]
    [InlineData("no-cpd.mkv", MediaFormatError.MissingCodecPrivateData)]
    [InlineData("bad-avcc.mkv", MediaFormatError.InvalidCodecPrivateData)]
    public async Task Broken_fixtures_fail_packaging_with_the_matching_error(string fixture, MediaFormatError expected)
    {
        var header = await HeaderOfAsync(fixture);
        var error = Assert.Throws<MediaFormatException>(() => TrackFormatFactory.CreateForDash(header.Tracks, header.TimecodeScaleNs));
        Assert.Equal(expected, error.Error);
    }

    [Fact]
    public async Task Track_layouts_follow_the_KVS_rules()
    {
        var video = (await HeaderOfAsync("h264.mkv")).Tracks[0];
        var audio = (await HeaderOfAsync("h264-aac.mkv")).Tracks[1];
        Assert.Single(TrackFormatFactory.CreateForDash([audio with { TrackNumber = 1 }], 1_000_000));
        Assert.Equal(2, TrackFormatFactory.CreateForDash([video, audio], 1_000_000).Count);
        Assert.Throws<MediaFormatException>(() => TrackFormatFactory.CreateForDash([audio, video with { TrackNumber = 2 }], 1_000_000));
        Assert.Throws<MediaFormatException>(() => TrackFormatFactory.CreateForDash([video, video with { TrackNumber = 2 }], 1_000_000));
        Assert.Throws<MediaFormatException>(() => TrackFormatFactory.CreateForDash([video, audio, audio with { TrackNumber = 3 }], 1_000_000));
    }

    [Theory]
    [InlineData("crc32.mkv", 3)]
    [InlineData("unknown-size.mkv", 3)]
    [InlineData("raw-h264-aac.mkv", 3)]
    public async Task Crc32_elements_unknown_sizes_and_leading_audio_frames_are_read(string fixture, int clusters)
    {
        await using var file = Fixtures.Open(fixture);
        var reader = new MatroskaReader(file);
        var count = 0;
        var videoFrames = 0;
        while (await reader.ReadClusterAsync() is { } cluster)
        {
            count++;
            videoFrames += cluster.Frames.Count(f => f.TrackNumber == 1);
        }

        Assert.Equal(clusters, count);
        Assert.Equal(150, videoFrames);
    }

    [Fact]
    public async Task The_writer_round_trips_clusters_with_shifted_timecodes()
    {
        var (header, clusters) = await FixtureMedia.ReadAsync(Fixtures.PathOf("h264-aac.mkv"));
        using var output = new MemoryStream();
        var writer = new MatroskaWriter(output);
        await writer.WriteHeaderAsync(header);
        foreach (var cluster in clusters)
        {
            await writer.WriteClusterAsync(cluster, 6000);
        }

        output.Position = 0;
        var again = new MatroskaReader(output);
        var index = 0;
        while (await again.ReadClusterAsync() is { } copy)
        {
            var original = clusters[index++];
            Assert.Equal(original.Timecode + 6000, copy.Timecode);
            Assert.Equal(original.Frames.Select(f => f.Timecode + 6000), copy.Frames.Select(f => f.Timecode));
            Assert.Equal(original.Frames.Select(f => f.Data.ToArray()), copy.Frames.Select(f => f.Data.ToArray()));
            Assert.Equal(original.Frames.Select(f => f.IsKeyFrame), copy.Frames.Select(f => f.IsKeyFrame));
        }

        Assert.Equal(clusters.Count, index);
        Assert.Equal(header.Tracks.Select(t => t.CodecPrivate), again.Header!.Tracks.Select(t => t.CodecPrivate));
    }

    private static async Task<MatroskaSegmentHeader> HeaderOfAsync(string fixture) => (await FixtureMedia.ReadAsync(Fixtures.PathOf(fixture))).Header;
}
