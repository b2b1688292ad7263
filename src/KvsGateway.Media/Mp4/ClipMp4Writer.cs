namespace KvsGateway.Media.Mp4;

/// <summary>
/// Writes the head of a classic (non-fragmented) MP4 as GetClip returns it: <c>ftyp</c>, a complete
/// <c>moov</c> with every sample table, and the <c>mdat</c> header. The sample bytes follow it
/// fragment by fragment, each fragment's tracks in track order — so a clip is streamed from the
/// stored fragments without being assembled in memory, and plays from its first byte (moov first).
/// </summary>
public static class ClipMp4Writer
{
    private const uint MovieTimescale = 1000;

    /// <summary>The head; <paramref name="payloadLength"/> is how many sample bytes must follow it.</summary>
    public static byte[] CreateHead(IReadOnlyList<ClipTrack> tracks, out long payloadLength)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        if (tracks.Count == 0 || tracks.Any(t => t.Chunks.Count != tracks[0].Chunks.Count))
        {
            throw new ArgumentException("A clip has at least one track and the same fragments in every track.", nameof(tracks));
        }

        payloadLength = tracks.Sum(t => t.Chunks.Sum(c => c.Size));
        var w = new Mp4BoxWriter(4096 + tracks.Sum(t => t.Chunks.Sum(c => c.Samples.Count * 12)));
        var ftyp = w.StartBox("ftyp");
        w.WriteFourCc("isom");
        w.WriteUInt32(0x200);
        w.WriteFourCc("isom");
        w.WriteFourCc("iso2");
        w.WriteFourCc("avc1");
        w.WriteFourCc("mp41");
        w.EndBox(ftyp);

        var durations = tracks.Select(t => (ulong)t.Chunks.Sum(c => c.Samples.Sum(s => (long)s.Duration))).ToArray();
        var movieDuration = tracks.Select((t, i) => durations[i] * MovieTimescale / t.Format.Timescale).Max();
        var moov = w.StartBox("moov");
        var mvhd = w.StartFullBox("mvhd", 0, 0);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteUInt32(MovieTimescale);
        w.WriteUInt32(Clamp(movieDuration));
        w.WriteUInt32(0x00010000);
        w.WriteUInt16(0x0100);
        w.WriteZeros(10);
        FragmentedMp4Writer.WriteMatrix(w);
        w.WriteZeros(24);
        w.WriteUInt32(tracks.Max(t => t.Format.TrackId) + 1);
        w.EndBox(mvhd);

        // Chunk offsets are patched once the head's length is known (the tables' sizes do not depend on them).
        var offsetPositions = new List<int>[tracks.Count];
        for (var i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            var positions = offsetPositions[i] = [];
            FragmentedMp4Writer.WriteTrak(w, track.Format, Clamp(durations[i] * MovieTimescale / track.Format.Timescale), Clamp(durations[i]), (w, format) => WriteSampleTables(w, format, track.Chunks, positions));
        }

        w.EndBox(moov);
        var large = payloadLength + 8 > uint.MaxValue;
        if (large)
        {
            w.WriteUInt32(1);
            w.WriteFourCc("mdat");
            w.WriteUInt64((ulong)payloadLength + 16);
        }
        else
        {
            w.WriteUInt32((uint)(payloadLength + 8));
            w.WriteFourCc("mdat");
        }

        var offset = (long)w.Length;
        for (var f = 0; f < tracks[0].Chunks.Count; f++)
        {
            for (var t = 0; t < tracks.Count; t++)
            {
                if (offset > uint.MaxValue)
                {
                    throw new ArgumentException("A clip's samples must start within the first 4 GiB.", nameof(tracks));
                }

                w.PatchUInt32(offsetPositions[t][f], (uint)offset);
                offset += tracks[t].Chunks[f].Size;
            }
        }

        return w.ToArray();
    }

    private static void WriteSampleTables(Mp4BoxWriter w, TrackFormat format, IReadOnlyList<ClipChunk> chunks, List<int> offsetPositions)
    {
        var samples = chunks.SelectMany(c => c.Samples).ToList();

        var stts = w.StartFullBox("stts", 0, 0);
        var runs = Runs(samples.Select(s => s.Duration));
        w.WriteUInt32((uint)runs.Count);
        foreach (var (count, value) in runs)
        {
            w.WriteUInt32(count);
            w.WriteUInt32(value);
        }

        w.EndBox(stts);
        if (samples.Any(s => s.CompositionOffset != 0))
        {
            var ctts = w.StartFullBox("ctts", 1, 0);
            var offsets = Runs(samples.Select(s => unchecked((uint)s.CompositionOffset)));
            w.WriteUInt32((uint)offsets.Count);
            foreach (var (count, value) in offsets)
            {
                w.WriteUInt32(count);
                w.WriteUInt32(value);
            }

            w.EndBox(ctts);
        }

        if (format.Kind == TrackKind.Video && samples.Any(s => !s.IsSync))
        {
            var stss = w.StartFullBox("stss", 0, 0);
            var sync = samples.Select((s, i) => (s, i)).Where(p => p.s.IsSync).Select(p => (uint)p.i + 1).ToList();
            w.WriteUInt32((uint)sync.Count);
            foreach (var number in sync)
            {
                w.WriteUInt32(number);
            }

            w.EndBox(stss);
        }

        var stsc = w.StartFullBox("stsc", 0, 0);
        var perChunk = new List<(uint First, uint Count)>();
        for (var c = 0; c < chunks.Count; c++)
        {
            var count = (uint)chunks[c].Samples.Count;
            if (perChunk.Count == 0 || perChunk[^1].Count != count)
            {
                perChunk.Add(((uint)c + 1, count));
            }
        }

        w.WriteUInt32((uint)perChunk.Count);
        foreach (var (first, count) in perChunk)
        {
            w.WriteUInt32(first);
            w.WriteUInt32(count);
            w.WriteUInt32(1);
        }

        w.EndBox(stsc);

        var stsz = w.StartFullBox("stsz", 0, 0);
        w.WriteUInt32(0);
        w.WriteUInt32((uint)samples.Count);
        foreach (var sample in samples)
        {
            w.WriteUInt32(sample.Size);
        }

        w.EndBox(stsz);

        var stco = w.StartFullBox("stco", 0, 0);
        w.WriteUInt32((uint)chunks.Count);
        foreach (var _ in chunks)
        {
            offsetPositions.Add(w.Length);
            w.WriteUInt32(0);
        }

        w.EndBox(stco);
    }

    private static List<(uint Count, uint Value)> Runs(IEnumerable<uint> values)
    {
        var runs = new List<(uint Count, uint Value)>();
        foreach (var value in values)
        {
            if (runs.Count > 0 && runs[^1].Value == value)
            {
                runs[^1] = (runs[^1].Count + 1, value);
            }
            else
            {
                runs.Add((1, value));
            }
        }

        return runs;
    }

    private static uint Clamp(ulong value) => value > uint.MaxValue ? uint.MaxValue : (uint)value;
}
