using System.Buffers.Binary;
using KvsGateway.Media.Mp4;
using KvsGateway.Media.Packaging;
using KvsGateway.Testing;

namespace KvsGateway.Tests.Mp4;

/// <summary>The GetClip writer against ISO/IEC 14496-12: a classic MP4 whose tables describe exactly the bytes that follow its head.</summary>
public sealed class ClipMp4WriterTests
{
    [Fact]
    public async Task The_head_describes_every_sample_of_every_fragment_and_points_each_chunk_at_its_bytes()
    {
        var (header, clusters) = await FixtureMedia.ReadAsync(Fixtures.PathOf("h264-aac.mkv"));
        var formats = TrackFormatFactory.CreateForClip(header.Tracks, header.TimecodeScaleNs);
        var fragments = clusters.Select(c => ClusterPackager.Package(c, formats)).ToList();
        var tracks = formats.Select((f, t) => new ClipTrack(f, fragments.Select(p => new ClipChunk(p.Tracks[t].Samples)).ToList())).ToList();

        var head = ClipMp4Writer.CreateHead(tracks, out var payload);

        // The file as GetClip sends it: the head, then each fragment's tracks in order.
        var body = fragments.SelectMany(f => f.Tracks.SelectMany(t => t.SampleData.SelectMany(d => d.ToArray()))).ToArray();
        Assert.Equal(payload, body.Length);
        var file = head.Concat(body).ToArray();
        var top = Box.ReadAll(file, 0, file.Length);
        Assert.Equal(["ftyp", "moov", "mdat"], top.Select(b => b.Type));
        Assert.Equal(head.Length, top[2].Offset + 8);

        var traks = top[1].Children().Where(b => b.Type == "trak").ToList();
        Assert.Equal(2, traks.Count);
        for (var t = 0; t < traks.Count; t++)
        {
            var stbl = traks[t].Child("mdia").Child("minf").Child("stbl");
            var samples = fragments.SelectMany(f => f.Tracks[t].Samples).ToList();
            var data = fragments.SelectMany(f => f.Tracks[t].SampleData).ToList();

            var stsz = stbl.Child("stsz").Payload;
            Assert.Equal(samples.Count, (int)BinaryPrimitives.ReadUInt32BigEndian(stsz[8..]));
            var stco = stbl.Child("stco").Payload;
            Assert.Equal(fragments.Count, (int)BinaryPrimitives.ReadUInt32BigEndian(stco[4..]));
            var stsc = Entries(stbl.Child("stsc").Payload, 12).Select(e => (First: e[0], Count: e[1])).ToList();
            var stts = Entries(stbl.Child("stts").Payload, 8).SelectMany(e => Enumerable.Repeat(e[1], (int)e[0])).ToList();
            Assert.Equal(samples.Select(s => s.Duration), stts);

            // Walk the chunks as a reader does: every sample's bytes are where the tables say.
            var sample = 0;
            for (var chunk = 0; chunk < fragments.Count; chunk++)
            {
                var perChunk = stsc.Last(e => e.First <= chunk + 1).Count;
                var offset = (int)BinaryPrimitives.ReadUInt32BigEndian(stco[(8 + (4 * chunk))..]);
                for (var i = 0; i < perChunk; i++, sample++)
                {
                    var size = (int)BinaryPrimitives.ReadUInt32BigEndian(stsz[(12 + (4 * sample))..]);
                    Assert.Equal(data[sample].ToArray(), file[offset..(offset + size)]);
                    offset += size;
                }
            }

            Assert.Equal(samples.Count, sample);
            if (formats[t].Kind == TrackKind.Video)
            {
                var sync = Entries(stbl.Child("stss").Payload, 4).Select(e => (int)e[0] - 1).ToList();
                Assert.Equal(samples.Select((s, i) => (s, i)).Where(p => p.s.IsSync).Select(p => p.i), sync);
            }
        }
    }

    [Fact]
    public async Task A_clip_takes_video_with_aac_or_alaw_but_never_audio_alone_or_mulaw()
    {
        foreach (var (fixture, allowed) in new[] { ("h264.mkv", true), ("h265-aac.mkv", true), ("h264-alaw.mkv", true), ("h264-ulaw.mkv", false), ("aac.mkv", false) })
        {
            var (header, _) = await FixtureMedia.ReadAsync(Fixtures.PathOf(fixture));
            if (allowed)
            {
                Assert.NotEmpty(TrackFormatFactory.CreateForClip(header.Tracks, header.TimecodeScaleNs));
            }
            else
            {
                var error = Assert.Throws<KvsGateway.Media.Codecs.MediaFormatException>(() => TrackFormatFactory.CreateForClip(header.Tracks, header.TimecodeScaleNs));
                Assert.Equal(KvsGateway.Media.Codecs.MediaFormatError.UnsupportedStreamMediaType, error.Error);
            }
        }
    }

    private static List<uint[]> Entries(ReadOnlySpan<byte> payload, int size)
    {
        var count = (int)BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
        var entries = new List<uint[]>(count);
        for (var i = 0; i < count; i++)
        {
            var entry = new uint[size / 4];
            for (var j = 0; j < entry.Length; j++)
            {
                entry[j] = BinaryPrimitives.ReadUInt32BigEndian(payload[(8 + (i * size) + (4 * j))..]);
            }

            entries.Add(entry);
        }

        return entries;
    }
}
