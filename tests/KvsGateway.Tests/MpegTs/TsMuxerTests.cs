using System.Buffers.Binary;
using KvsGateway.Media.Codecs;
using KvsGateway.Media.Mp4;
using KvsGateway.Media.MpegTs;
using KvsGateway.Media.Packaging;
using KvsGateway.Testing;

namespace KvsGateway.Tests.MpegTs;

/// <summary>The MPEG-TS muxer against the structure ISO/IEC 13818-1 prescribes, read back by an independent parser.</summary>
public sealed class TsMuxerTests
{
    [Fact]
    public async Task A_fragment_of_h264_and_aac_becomes_a_chunk_with_tables_counters_pcr_and_pes_timing_as_13818_1_requires()
    {
        var (tracks, samples, fragment) = await FixtureChunkAsync("h264-aac.mkv", 1);
        var chunk = TsChunk.Read(TsMuxer.Mux(tracks, samples));

        Assert.Equal(TsMuxer.PmtPid, chunk.PmtPid);
        Assert.Equal(TsMuxer.FirstElementaryPid, chunk.PcrPid);
        Assert.Equal(new Dictionary<int, byte> { [0x100] = 0x1B, [0x101] = 0x0F }, chunk.StreamTypes);

        // One PES per access unit, each at the times it was given, in decode order within its PID.
        var video = chunk.Streams[0x100];
        var audio = chunk.Streams[0x101];
        Assert.Equal(samples[0].Select(s => (s.Pts, s.Dts)), video.Select(p => (p.Pts, p.Dts)));
        Assert.Equal(samples[1].Select(s => s.Pts), audio.Select(p => p.Pts));
        Assert.All(video, p => Assert.Equal(0xE0, p.StreamId));
        Assert.All(audio, p => Assert.Equal(0xC0, p.StreamId));
        Assert.Equal(samples[0].Select(s => s.IsKeyFrame), video.Select(p => p.RandomAccess));

        // PCRs on the first track: never more than 100 ms apart, never after the decode time they precede.
        Assert.NotEmpty(chunk.Pcrs);
        Assert.All(chunk.Pcrs.Zip(chunk.Pcrs.Skip(1)), pair => Assert.InRange(pair.Second - pair.First, 0, 9_000));
        Assert.True(chunk.Pcrs[0] <= video[0].Dts);

        // Video: an access unit delimiter, the parameter sets before a key frame, then the stored NAL
        // units unchanged; audio: an ADTS header that states the frame, then the stored frame.
        var avc = tracks[0].Avc!;
        for (var i = 0; i < video.Count; i++)
        {
            var nals = AnnexB(video[i].Payload);
            Assert.Equal([0x09, 0xF0], nals[0]);
            var expected = LengthPrefixed(samples[0][i].Data.ToArray(), avc.NalLengthSize);
            var body = nals.Skip(1).ToList();
            if (samples[0][i].IsKeyFrame && !expected.Any(n => (n[0] & 0x1F) == 7))
            {
                Assert.Equal(avc.ParameterSets, body.Take(avc.ParameterSets.Count));
                body = body.Skip(avc.ParameterSets.Count).ToList();
            }

            Assert.Equal(expected, body);
        }

        var aac = tracks[1].Aac!;
        for (var i = 0; i < audio.Count; i++)
        {
            var frame = samples[1][i].Data.ToArray();
            var adts = audio[i].Payload;
            Assert.Equal(0xFFF, BinaryPrimitives.ReadUInt16BigEndian(adts) >> 4);
            Assert.Equal(aac.ObjectType - 1, adts[2] >> 6);
            Assert.Equal(aac.SamplingFrequencyIndex, (adts[2] >> 2) & 0xF);
            Assert.Equal(aac.ChannelConfiguration, ((adts[2] & 1) << 2) | (adts[3] >> 6));
            Assert.Equal(frame.Length + 7, ((adts[3] & 0x3) << 11) | (adts[4] << 3) | (adts[5] >> 5));
            Assert.Equal(frame, adts[7..]);
        }

        Assert.Equal(fragment.Tracks[0].Samples.Count, video.Count);
    }

    [Fact]
    public async Task Pcrs_stay_within_100_ms_when_the_pcr_track_is_sparse_and_for_audio_alone()
    {
        // Video at 2 frames a second (its PES alone would leave 500 ms between PCRs) beside audio.
        var (tracks, samples, _) = await FixtureChunkAsync("h264-aac.mkv", 0);
        var sparse = samples[0].Where((_, i) => i % 12 == 0).ToArray();
        var chunk = TsChunk.Read(TsMuxer.Mux(tracks, [sparse, samples[1]]));
        Assert.All(chunk.Pcrs.Zip(chunk.Pcrs.Skip(1)), pair => Assert.InRange(pair.Second - pair.First, 0, 9_000));
        Assert.Equal(sparse.Length, chunk.Streams[0x100].Count);

        var (audioTracks, audioSamples, _) = await FixtureChunkAsync("aac.mkv", 0);
        var audioOnly = TsChunk.Read(TsMuxer.Mux(audioTracks, audioSamples));
        Assert.Equal(TsMuxer.FirstElementaryPid, audioOnly.PcrPid);
        Assert.Equal(new Dictionary<int, byte> { [0x100] = 0x0F }, audioOnly.StreamTypes);
        Assert.All(audioOnly.Pcrs.Zip(audioOnly.Pcrs.Skip(1)), pair => Assert.InRange(pair.Second - pair.First, 0, 9_000));
        Assert.Equal(audioSamples[0].Count, audioOnly.Streams[0x100].Count);
    }

    [Fact]
    public void A_frame_whose_nal_lengths_run_past_it_is_an_invalid_media_frame()
    {
        var avc = AvcDecoderConfiguration.Parse(FirstAvcC());
        var bad = new TsSample(new byte[] { 0, 0, 0, 9, 0x65, 1, 2 }, TsTimeline.Offset, TsTimeline.Offset, true);
        var error = Assert.Throws<MediaFormatException>(() => TsMuxer.Mux([TsTrack.H264(avc)], [[bad]]));
        Assert.Equal(MediaFormatError.InvalidMediaFrame, error.Error);
    }

    [Fact]
    public void The_section_crc_is_the_mpeg2_crc32()
    {
        // The check value of CRC-32/MPEG-2 over "123456789".
        Assert.Equal(0x0376E6E7u, TsCrc32.Compute("123456789"u8));
    }

    internal static async Task<(List<TsTrack> Tracks, List<IReadOnlyList<TsSample>> Samples, PackagedFragment Fragment)> FixtureChunkAsync(string fixture, int cluster)
    {
        var (header, clusters) = await FixtureMedia.ReadAsync(Fixtures.PathOf(fixture));
        var formats = TrackFormatFactory.CreateForHls(header.Tracks, header.TimecodeScaleNs, mpegTs: true);
        var fragment = ClusterPackager.Package(clusters[cluster], formats);
        var tracks = new List<TsTrack>();
        var samples = new List<IReadOnlyList<TsSample>>();
        for (var t = 0; t < formats.Count; t++)
        {
            var source = header.Tracks[t];
            tracks.Add(formats[t].Kind == TrackKind.Video ? TsTrack.H264(AvcDecoderConfiguration.Parse(source.CodecPrivate)) : TsTrack.AacAudio(AudioSpecificConfig.Parse(source.CodecPrivate)));
            var packaged = fragment.Tracks[t];
            var bytes = packaged.SampleData.SelectMany(d => d.ToArray()).ToArray();
            samples.Add(TsTimeline.FromTrack(packaged.Samples, bytes, (ulong)(cluster * 2 * formats[t].Timescale), formats[t].Timescale));
        }

        return (tracks, samples, fragment);
    }

    private static byte[] FirstAvcC()
    {
        var (header, _) = FixtureMedia.ReadAsync(Fixtures.PathOf("h264.mkv")).GetAwaiter().GetResult();
        return header.Tracks[0].CodecPrivate!;
    }

    private static List<byte[]> AnnexB(byte[] stream)
    {
        var units = new List<byte[]>();
        var starts = new List<int>();
        for (var i = 0; i + 3 < stream.Length; i++)
        {
            if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 0 && stream[i + 3] == 1)
            {
                starts.Add(i + 4);
                i += 3;
            }
        }

        for (var s = 0; s < starts.Count; s++)
        {
            var end = s + 1 < starts.Count ? starts[s + 1] - 4 : stream.Length;
            units.Add(stream[starts[s]..end]);
        }

        return units;
    }

    private static List<byte[]> LengthPrefixed(byte[] frame, int lengthSize)
    {
        var units = new List<byte[]>();
        for (var at = 0; at < frame.Length;)
        {
            var length = lengthSize == 4 ? (int)BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(at)) : lengthSize == 2 ? BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(at)) : frame[at];
            at += lengthSize;
            if (length > 0 && (frame[at] & 0x1F) != 9)
            {
                units.Add(frame[at..(at + length)]);
            }

            at += length;
        }

        return units;
    }
}
