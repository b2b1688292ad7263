
namespace KvsGateway.Media.Mp4;

/// <summary>
/// Writes fragmented MP4 as KVS serves it for DASH: an init segment (<c>ftyp</c>+<c>moov</c>) per track,
/// and per fragment a <c>moof</c> followed by the <c>mdat</c> header; the caller streams the sample bytes after it.
/// </summary>
public static class FragmentedMp4Writer
{
    private const uint SyncSampleFlags = 0x02000000;
    private const uint NonSyncSampleFlags = 0x01010000;

    public static byte[] CreateInitSegment(TrackFormat track)
    {
        ArgumentNullException.ThrowIfNull(track);
        var w = new Mp4BoxWriter(1024 + track.SampleEntryConfig.Length);
        var ftyp = w.StartBox("ftyp");
        w.WriteFourCc("iso6");
        w.WriteUInt32(0);
        w.WriteFourCc("iso6");
        w.WriteFourCc("mp41");
        w.WriteFourCc("dash");
        w.EndBox(ftyp);

        var moov = w.StartBox("moov");
        var mvhd = w.StartFullBox("mvhd", 0, 0);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteUInt32(1000);
        w.WriteUInt32(0);
        w.WriteUInt32(0x00010000);
        w.WriteUInt16(0x0100);
        w.WriteZeros(10);
        WriteMatrix(w);
        w.WriteZeros(24);
        w.WriteUInt32(track.TrackId + 1);
        w.EndBox(mvhd);

        WriteTrak(w, track, 0, 0, static (w, track) =>
        {
            foreach (var empty in new[] { "stts", "stsc", "stco" })
            {
                var box = w.StartFullBox(empty, 0, 0);
                w.WriteUInt32(0);
                w.EndBox(box);
            }

            var stsz = w.StartFullBox("stsz", 0, 0);
            w.WriteUInt32(0);
            w.WriteUInt32(0);
            w.EndBox(stsz);
        });

        var mvex = w.StartBox("mvex");
        var trex = w.StartFullBox("trex", 0, 0);
        w.WriteUInt32(track.TrackId);
        w.WriteUInt32(1);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.EndBox(trex);
        w.EndBox(mvex);
        w.EndBox(moov);
        return w.ToArray();
    }

    /// <summary>
    /// Writes <c>moof</c> and the 8- or 16-byte <c>mdat</c> header for a fragment of one track. The sample
    /// bytes (in sample order, <paramref name="samples"/> sizes) must follow it unchanged.
    /// </summary>
    public static byte[] CreateMediaSegmentHeader(uint sequenceNumber, uint trackId, ulong baseMediaDecodeTime, IReadOnlyList<Mp4Sample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var hasCompositionOffsets = false;
        ulong payload = 0;
        foreach (var sample in samples)
        {
            hasCompositionOffsets |= sample.CompositionOffset != 0;
            payload += sample.Size;
        }

        var w = new Mp4BoxWriter(128 + (samples.Count * 16));
        var moof = w.StartBox("moof");
        var mfhd = w.StartFullBox("mfhd", 0, 0);
        w.WriteUInt32(sequenceNumber);
        w.EndBox(mfhd);

        var traf = w.StartBox("traf");
        var tfhd = w.StartFullBox("tfhd", 0, 0x020000); // default-base-is-moof
        w.WriteUInt32(trackId);
        w.EndBox(tfhd);

        var tfdt = w.StartFullBox("tfdt", 1, 0);
        w.WriteUInt64(baseMediaDecodeTime);
        w.EndBox(tfdt);

        var flags = 0x000001u | 0x000100u | 0x000200u | 0x000400u | (hasCompositionOffsets ? 0x000800u : 0);
        var trun = w.StartFullBox("trun", hasCompositionOffsets ? (byte)1 : (byte)0, flags);
        w.WriteUInt32((uint)samples.Count);
        var dataOffsetPosition = w.Length;
        w.WriteUInt32(0);
        foreach (var sample in samples)
        {
            w.WriteUInt32(sample.Duration);
            w.WriteUInt32(sample.Size);
            w.WriteUInt32(sample.IsSync ? SyncSampleFlags : NonSyncSampleFlags);
            if (hasCompositionOffsets)
            {
                w.WriteInt32(sample.CompositionOffset);
            }
        }

        w.EndBox(trun);
        w.EndBox(traf);
        w.EndBox(moof);

        var largeMdat = payload + 8 > uint.MaxValue;
        var mdatHeaderLength = largeMdat ? 16 : 8;
        w.PatchUInt32(dataOffsetPosition, (uint)(w.Length + mdatHeaderLength));
        if (largeMdat)
        {
            w.WriteUInt32(1);
            w.WriteFourCc("mdat");
            w.WriteUInt64(payload + 16);
        }
        else
        {
            w.WriteUInt32((uint)(payload + 8));
            w.WriteFourCc("mdat");
        }

        return w.ToArray();
    }

    /// <summary>A <c>trak</c> box; <paramref name="sampleTables"/> writes the boxes inside <c>stbl</c> after <c>stsd</c>.</summary>
    internal static void WriteTrak(Mp4BoxWriter w, TrackFormat track, uint movieDuration, uint mediaDuration, Action<Mp4BoxWriter, TrackFormat> sampleTables)
    {
        var trak = w.StartBox("trak");
        var tkhd = w.StartFullBox("tkhd", 0, 0x3);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteUInt32(track.TrackId);
        w.WriteUInt32(0);
        w.WriteUInt32(movieDuration);
        w.WriteZeros(8);
        w.WriteUInt16(0);
        w.WriteUInt16(0);
        w.WriteUInt16(track.Kind == TrackKind.Audio ? (ushort)0x0100 : (ushort)0);
        w.WriteUInt16(0);
        WriteMatrix(w);
        w.WriteUInt32((uint)track.Width << 16);
        w.WriteUInt32((uint)track.Height << 16);
        w.EndBox(tkhd);

        var mdia = w.StartBox("mdia");
        var mdhd = w.StartFullBox("mdhd", 0, 0);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteUInt32(track.Timescale);
        w.WriteUInt32(mediaDuration);
        w.WriteUInt16(0x55C4); // 'und'
        w.WriteUInt16(0);
        w.EndBox(mdhd);

        var hdlr = w.StartFullBox("hdlr", 0, 0);
        w.WriteUInt32(0);
        w.WriteFourCc(track.Kind == TrackKind.Video ? "vide" : "soun");
        w.WriteZeros(12);
        w.WriteBytes(track.Kind == TrackKind.Video ? "VideoHandler\0"u8 : "SoundHandler\0"u8);
        w.EndBox(hdlr);

        var minf = w.StartBox("minf");
        if (track.Kind == TrackKind.Video)
        {
            var vmhd = w.StartFullBox("vmhd", 0, 1);
            w.WriteZeros(8);
            w.EndBox(vmhd);
        }
        else
        {
            var smhd = w.StartFullBox("smhd", 0, 0);
            w.WriteZeros(4);
            w.EndBox(smhd);
        }

        var dinf = w.StartBox("dinf");
        var dref = w.StartFullBox("dref", 0, 0);
        w.WriteUInt32(1);
        var url = w.StartFullBox("url ", 0, 1);
        w.EndBox(url);
        w.EndBox(dref);
        w.EndBox(dinf);

        var stbl = w.StartBox("stbl");
        var stsd = w.StartFullBox("stsd", 0, 0);
        w.WriteUInt32(1);
        WriteSampleEntry(w, track);
        w.EndBox(stsd);
        sampleTables(w, track);
        w.EndBox(stbl);
        w.EndBox(minf);
        w.EndBox(mdia);
        w.EndBox(trak);
    }

    private static void WriteSampleEntry(Mp4BoxWriter w, TrackFormat track)
    {
        var entry = w.StartBox(track.SampleEntryType);
        w.WriteZeros(6);
        w.WriteUInt16(1);
        if (track.Kind == TrackKind.Video)
        {
            w.WriteZeros(16);
            w.WriteUInt16((ushort)track.Width);
            w.WriteUInt16((ushort)track.Height);
            w.WriteUInt32(0x00480000);
            w.WriteUInt32(0x00480000);
            w.WriteUInt32(0);
            w.WriteUInt16(1);
            w.WriteZeros(32);
            w.WriteUInt16(0x0018);
            w.WriteUInt16(0xFFFF);
        }
        else
        {
            w.WriteZeros(8);
            w.WriteUInt16((ushort)track.Channels);
            w.WriteUInt16(16);
            w.WriteZeros(4);
            w.WriteUInt32(track.SampleRate <= ushort.MaxValue ? (uint)track.SampleRate << 16 : 0);
        }

        if (track.SampleEntryConfigType is { } configType)
        {
            var config = w.StartBox(configType);
            w.WriteBytes(track.SampleEntryConfig);
            w.EndBox(config);
        }

        w.EndBox(entry);
    }

    internal static void WriteMatrix(Mp4BoxWriter w)
    {
        w.WriteUInt32(0x00010000);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteUInt32(0x00010000);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteUInt32(0x40000000);
    }
}
