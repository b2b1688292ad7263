using System.Buffers.Binary;
using KvsGateway.Media.Mp4;
using KvsGateway.Media.Packaging;
using KvsGateway.Testing;

namespace KvsGateway.Tests.Mp4;

public sealed class FragmentedMp4WriterTests
{
    [Fact]
    public async Task The_init_segment_holds_one_avc1_track_with_the_producers_avcC()
    {
        var (header, _) = await FixtureMedia.ReadAsync(Fixtures.PathOf("h264.mkv"));
        var format = TrackFormatFactory.Create(header.Tracks[0], header.TimecodeScaleNs);
        var init = FragmentedMp4Writer.CreateInitSegment(format);

        var top = Box.ReadAll(init, 0, init.Length);
        Assert.Equal(["ftyp", "moov"], top.Select(b => b.Type));
        var moov = top[1];
        Assert.Equal(["mvhd", "trak", "mvex"], moov.Children().Select(b => b.Type));
        var trak = moov.Child("trak");
        var tkhd = trak.Child("tkhd");
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(tkhd.Payload[12..]));
        var mdhd = trak.Child("mdia").Child("mdhd");
        Assert.Equal(90_000u, BinaryPrimitives.ReadUInt32BigEndian(mdhd.Payload[12..]));
        var stsd = trak.Child("mdia").Child("minf").Child("stbl").Child("stsd");
        var avc1 = stsd.Children(skip: 8).Single();
        Assert.Equal("avc1", avc1.Type);
        Assert.Equal(320, BinaryPrimitives.ReadUInt16BigEndian(avc1.Payload[24..]));
        Assert.Equal(240, BinaryPrimitives.ReadUInt16BigEndian(avc1.Payload[26..]));
        var avcC = avc1.Children(skip: 78).Single();
        Assert.Equal("avcC", avcC.Type);
        Assert.Equal(header.Tracks[0].CodecPrivate, avcC.Payload.ToArray());
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(moov.Child("mvex").Child("trex").Payload[4..]));
    }

    [Fact]
    public async Task A_media_segment_describes_every_sample_and_points_at_the_mdat_payload()
    {
        var (header, clusters) = await FixtureMedia.ReadAsync(Fixtures.PathOf("h264.mkv"));
        var format = TrackFormatFactory.Create(header.Tracks[0], header.TimecodeScaleNs);
        var packaged = ClusterPackager.Package(clusters[1], [format]);
        var track = packaged.Tracks[0];
        var segmentHeader = FragmentedMp4Writer.CreateMediaSegmentHeader(2, 1, 180_000, track.Samples);
        var payload = track.SampleData.SelectMany(d => d.ToArray()).ToArray();
        var segment = segmentHeader.Concat(payload).ToArray();

        var top = Box.ReadAll(segment, 0, segment.Length);
        Assert.Equal(["moof", "mdat"], top.Select(b => b.Type));
        var traf = top[0].Child("traf");
        var tfdt = traf.Child("tfdt");
        Assert.Equal(1, tfdt.Payload[0]);
        Assert.Equal(180_000UL, BinaryPrimitives.ReadUInt64BigEndian(tfdt.Payload[4..]));
        var trun = traf.Child("trun").Payload.ToArray().AsSpan();
        var trunBytes = traf.Child("trun").Payload.ToArray();
        var count = BinaryPrimitives.ReadUInt32BigEndian(trun[4..]);
        Assert.Equal(50u, count);
        var dataOffset = BinaryPrimitives.ReadInt32BigEndian(trun[8..]);
        Assert.Equal(top[1].Offset + 8, dataOffset);
        Assert.Equal(payload, segment[dataOffset..]);
        var durations = Enumerable.Range(0, 50).Select(i => BinaryPrimitives.ReadUInt32BigEndian(trunBytes.AsSpan(12 + (i * 12)))).ToList();
        Assert.All(durations, d => Assert.Equal(3600u, d));
        Assert.Equal(0x02000000u, BinaryPrimitives.ReadUInt32BigEndian(trun[20..]));
        Assert.Equal(0x01010000u, BinaryPrimitives.ReadUInt32BigEndian(trun[32..]));
        Assert.Equal(TimeSpan.FromSeconds(2), packaged.Duration);
    }

    [Fact]
    public void Frames_stored_with_reordered_presentation_times_get_composition_offsets()
    {
        // I P B B in decode order, presented as I B B P.
        FrameInfo[] frames = [new(0, true, null, 10), new(120, false, null, 10), new(40, false, null, 10), new(80, false, null, 10)];
        var samples = ClusterPackager.BuildSamples(frames, null, 1_000_000, 1000, out var total);
        Assert.Equal([0, 80, -40, -40], samples.Select(s => s.CompositionOffset));
        Assert.Equal([40u, 40u, 40u, 40u], samples.Select(s => s.Duration));
        Assert.Equal(160UL, total);
    }

    [Fact]
    public void The_last_frame_takes_its_block_duration_then_the_default_duration()
    {
        FrameInfo[] withBlockDuration = [new(0, true, null, 1), new(40, false, 25, 1)];
        Assert.Equal(25u, ClusterPackager.BuildSamples(withBlockDuration, null, 1_000_000, 1000, out _)[1].Duration);

        FrameInfo[] withDefault = [new(0, true, null, 1), new(40, false, null, 1)];
        Assert.Equal(33u, ClusterPackager.BuildSamples(withDefault, 33_000_000, 1_000_000, 1000, out _)[1].Duration);
        Assert.Equal(40u, ClusterPackager.BuildSamples(withDefault, null, 1_000_000, 1000, out _)[1].Duration);
    }

    [Fact]
    public void A_composition_offset_beyond_32_bits_is_a_format_error_not_an_overflow()
    {
        // Each duration fits a trun's 32 bits, but the first frame is presented 3e9 ticks after its decode time.
        FrameInfo[] frames = [new(3_000_000_000, true, null, 1), new(0, false, null, 1), new(1_500_000_000, false, null, 1)];
        var error = Assert.Throws<KvsGateway.Media.Matroska.MatroskaFormatException>(() => ClusterPackager.BuildSamples(frames, null, 1_000_000, 1000, out _));
        Assert.Contains("composition offset", error.Message, StringComparison.Ordinal);
    }
}
