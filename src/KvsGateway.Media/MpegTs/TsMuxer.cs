using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using KvsGateway.Media.Codecs;

namespace KvsGateway.Media.MpegTs;

/// <summary>
/// Writes one self-contained MPEG-TS chunk (ISO/IEC 13818-1) of a fragment: PAT and PMT first, then
/// each track's access units as PES packets in decode order. H.264 goes out as an Annex B byte
/// stream with an access unit delimiter, and SPS/PPS before every key frame; AAC as ADTS frames.
/// A chunk starts with continuity counter 0 on every PID and says so (discontinuity_indicator in
/// the first packet of each PID), so chunks of one session can be read back to back. The first
/// track carries the PCR, at every one of its PES packets and in between when more than
/// <see cref="MaxPcrInterval"/> would otherwise pass.
/// </summary>
public static class TsMuxer
{
    public const int PacketSize = 188;
    public const ushort PmtPid = 0x1000;
    public const ushort FirstElementaryPid = 0x100;

    /// <summary>The PCR runs this far ahead of the decode times it precedes.</summary>
    public const long PcrLead = 9_000;

    /// <summary>PCRs of a chunk are never further apart than this (the standard allows 100 ms).</summary>
    public const long MaxPcrInterval = 3_600;

    private const int PayloadSize = PacketSize - 4;
    private static readonly byte[] AccessUnitDelimiter = [0, 0, 0, 1, 0x09, 0xF0];
    private static readonly byte[] StartCode = [0, 0, 0, 1];

    /// <summary>Muxes the tracks' samples (90 kHz times, each list in decode order) into one chunk.</summary>
    public static byte[] Mux(IReadOnlyList<TsTrack> tracks, IReadOnlyList<IReadOnlyList<TsSample>> samples)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        ArgumentNullException.ThrowIfNull(samples);
        if (tracks.Count is 0 or > 8 || samples.Count != tracks.Count)
        {
            throw new ArgumentException("One to eight tracks, each with its samples.", nameof(tracks));
        }

        var output = new ArrayBufferWriter<byte>(64 * 1024);
        var counters = new byte[tracks.Count];
        var started = new bool[tracks.Count];
        WriteSection(output, 0, PatSection());
        WriteSection(output, PmtPid, PmtSection(tracks));

        var next = new int[tracks.Count];
        var pes = new ArrayBufferWriter<byte>(64 * 1024);
        long? lastPcr = null;
        while (true)
        {
            // The track whose next access unit decodes first; ties go to the lower track.
            var t = -1;
            for (var i = 0; i < tracks.Count; i++)
            {
                if (next[i] < samples[i].Count && (t < 0 || samples[i][next[i]].Dts < samples[t][next[t]].Dts))
                {
                    t = i;
                }
            }

            if (t < 0)
            {
                return output.WrittenSpan.ToArray();
            }

            var sample = samples[t][next[t]++];
            var pcr = Math.Max(0, sample.Dts - PcrLead);
            if (t != 0 && lastPcr is { } last && pcr - last > MaxPcrInterval)
            {
                // Without payload the counter repeats the last payload packet's (13818-1, 2.4.3.3); as
                // the PID's first packet it starts the count, and the next payload packet follows it.
                WritePcrOnly(output, started[0] ? (byte)((counters[0] + 15) & 0xF) : (byte)0, pcr, !started[0]);
                if (!started[0])
                {
                    counters[0] = 1;
                    started[0] = true;
                }

                lastPcr = pcr;
            }

            pes.ResetWrittenCount();
            WritePes(pes, tracks[t], sample);
            var carriesPcr = t == 0;
            WritePackets(output, (ushort)(FirstElementaryPid + t), ref counters[t], pes.WrittenSpan, carriesPcr ? pcr : null, !started[t], sample.IsKeyFrame && tracks[t].Codec == TsCodec.H264);
            started[t] = true;
            if (carriesPcr)
            {
                lastPcr = pcr;
            }
        }
    }

    private static void WritePes(ArrayBufferWriter<byte> pes, TsTrack track, TsSample sample)
    {
        var hasDts = sample.Dts != sample.Pts;
        var headerLength = hasDts ? 10 : 5;
        var start = pes.WrittenCount;
        var head = pes.GetSpan(9 + headerLength);
        head[0] = 0;
        head[1] = 0;
        head[2] = 1;
        head[3] = track.Codec == TsCodec.H264 ? (byte)0xE0 : (byte)0xC0;
        head[4] = 0;
        head[5] = 0;
        head[6] = 0x84; // '10', data_alignment_indicator
        head[7] = hasDts ? (byte)0xC0 : (byte)0x80;
        head[8] = (byte)headerLength;
        WriteTimestamp(head[9..], hasDts ? (byte)0x3 : (byte)0x2, sample.Pts);
        if (hasDts)
        {
            WriteTimestamp(head[14..], 0x1, sample.Dts);
        }

        pes.Advance(9 + headerLength);
        if (track.Codec == TsCodec.H264)
        {
            WriteAnnexB(pes, track.Avc!, sample);
        }
        else
        {
            WriteAdts(pes, track.Aac!, sample.Data.Span);
        }

        // Audio PES state their length; a video PES may exceed 64 KiB and leaves it 0 (unbounded), as 13818-1 allows.
        var length = pes.WrittenCount - start - 6;
        if (track.Codec == TsCodec.Aac && length <= ushort.MaxValue)
        {
            BinaryPrimitives.WriteUInt16BigEndian(MemoryMarshal.AsMemory(pes.WrittenMemory).Span.Slice(start + 4, 2), (ushort)length);
        }
    }

    private static void WriteAnnexB(ArrayBufferWriter<byte> pes, AvcDecoderConfiguration avc, TsSample sample)
    {
        pes.Write(AccessUnitDelimiter);
        var data = sample.Data.Span;
        var lengthSize = avc.NalLengthSize;
        var hasParameterSets = false;
        for (var offset = 0; offset + lengthSize <= data.Length;)
        {
            var length = ReadLength(data.Slice(offset, lengthSize));
            offset += lengthSize;
            if (length > data.Length - offset)
            {
                throw new MediaFormatException(MediaFormatError.InvalidMediaFrame, $"A NAL unit of {length} bytes runs past its frame of {data.Length} bytes.");
            }

            var type = length > 0 ? data[offset] & 0x1F : 0;
            hasParameterSets |= type is 7 or 8;
            offset += (int)length;
        }

        // A key frame carries its parameter sets, so a player can start at any chunk.
        if (sample.IsKeyFrame && !hasParameterSets)
        {
            foreach (var set in avc.ParameterSets)
            {
                pes.Write(StartCode);
                pes.Write(set);
            }
        }

        for (var offset = 0; offset + lengthSize <= data.Length;)
        {
            var length = (int)ReadLength(data.Slice(offset, lengthSize));
            offset += lengthSize;
            var nal = data.Slice(offset, length);
            offset += length;
            if (nal.Length == 0 || (nal[0] & 0x1F) == 9)
            {
                continue; // the delimiter is ours
            }

            pes.Write(StartCode);
            pes.Write(nal);
        }
    }

    private static uint ReadLength(ReadOnlySpan<byte> prefix) => prefix.Length switch
    {
        1 => prefix[0],
        2 => BinaryPrimitives.ReadUInt16BigEndian(prefix),
        _ => BinaryPrimitives.ReadUInt32BigEndian(prefix),
    };

    private static void WriteAdts(ArrayBufferWriter<byte> pes, AudioSpecificConfig aac, ReadOnlySpan<byte> frame)
    {
        var length = frame.Length + 7;
        if (length > 0x1FFF)
        {
            throw new MediaFormatException(MediaFormatError.InvalidMediaFrame, $"An AAC frame of {frame.Length} bytes is larger than ADTS can state.");
        }

        // ADTS profile is the object type minus one for AAC Main/LC/SSR/LTP; HE-AAC (SBR, PS) is
        // signalled implicitly over an LC header.
        var profile = aac.ObjectType is >= 1 and <= 4 ? aac.ObjectType - 1 : 1;
        var header = pes.GetSpan(7);
        header[0] = 0xFF;
        header[1] = 0xF1; // MPEG-4, layer 0, no CRC
        header[2] = (byte)((profile << 6) | (aac.SamplingFrequencyIndex << 2) | ((aac.ChannelConfiguration >> 2) & 0x1));
        header[3] = (byte)(((aac.ChannelConfiguration & 0x3) << 6) | (length >> 11));
        header[4] = (byte)((length >> 3) & 0xFF);
        header[5] = (byte)(((length & 0x7) << 5) | 0x1F);
        header[6] = 0xFC; // buffer fullness 0x7FF (VBR), one raw data block
        pes.Advance(7);
        pes.Write(frame);
    }

    private static void WriteTimestamp(Span<byte> destination, byte prefix, long ticks)
    {
        var value = (ulong)ticks & 0x1_FFFF_FFFF;
        destination[0] = (byte)((prefix << 4) | (int)((value >> 29) & 0x0E) | 1);
        destination[1] = (byte)(value >> 22);
        destination[2] = (byte)(((value >> 14) & 0xFE) | 1);
        destination[3] = (byte)(value >> 7);
        destination[4] = (byte)(((value << 1) & 0xFE) | 1);
    }

    private static void WritePackets(ArrayBufferWriter<byte> output, ushort pid, ref byte counter, ReadOnlySpan<byte> pes, long? pcr, bool discontinuity, bool randomAccess)
    {
        var first = true;
        while (pes.Length > 0)
        {
            var flags = first ? (discontinuity ? 0x80 : 0) | (randomAccess ? 0x40 : 0) | (pcr.HasValue ? 0x10 : 0) : 0;
            var adaptation = flags != 0 ? 2 + (first && pcr.HasValue ? 6 : 0) : 0;
            var take = Math.Min(pes.Length, PayloadSize - adaptation);

            // The last packet of a PES is filled up with adaptation-field stuffing.
            if (take < PayloadSize - adaptation)
            {
                adaptation = PayloadSize - take;
            }

            var packet = output.GetSpan(PacketSize)[..PacketSize];
            packet[0] = 0x47;
            packet[1] = (byte)((first ? 0x40 : 0) | (pid >> 8));
            packet[2] = (byte)pid;
            packet[3] = (byte)((adaptation > 0 ? 0x30 : 0x10) | counter);
            var at = 4;
            if (adaptation > 0)
            {
                at = WriteAdaptationField(packet, adaptation, flags, first ? pcr : null);
            }

            pes[..take].CopyTo(packet[at..]);
            output.Advance(PacketSize);
            counter = (byte)((counter + 1) & 0xF);
            pes = pes[take..];
            first = false;
        }
    }

    // A packet of adaptation field only, for a PCR between two PES of the PCR track.
    private static void WritePcrOnly(ArrayBufferWriter<byte> output, byte counter, long pcr, bool discontinuity)
    {
        var packet = output.GetSpan(PacketSize)[..PacketSize];
        packet[0] = 0x47;
        packet[1] = (byte)(FirstElementaryPid >> 8);
        packet[2] = FirstElementaryPid & 0xFF;
        packet[3] = (byte)(0x20 | counter);
        WriteAdaptationField(packet, PayloadSize, 0x10 | (discontinuity ? 0x80 : 0), pcr);
        output.Advance(PacketSize);
    }

    // Writes an adaptation field of `size` bytes (its length byte included) at offset 4; returns where the payload goes.
    private static int WriteAdaptationField(Span<byte> packet, int size, int flags, long? pcr)
    {
        packet[4] = (byte)(size - 1);
        var at = 5;
        if (size > 1)
        {
            packet[at++] = (byte)flags;
            if ((flags & 0x10) != 0 && pcr is { } value)
            {
                var b = (ulong)value & 0x1_FFFF_FFFF;
                packet[at++] = (byte)(b >> 25);
                packet[at++] = (byte)(b >> 17);
                packet[at++] = (byte)(b >> 9);
                packet[at++] = (byte)(b >> 1);
                packet[at++] = (byte)(((b & 1) << 7) | 0x7E);
                packet[at++] = 0;
            }

            packet[at..(4 + size)].Fill(0xFF);
        }

        return 4 + size;
    }

    private static void WriteSection(ArrayBufferWriter<byte> output, ushort pid, byte[] section)
    {
        // A section is one packet here: pointer_field 0, the section, 0xFF to the end; its adaptation
        // field says the counter restarts.
        var packet = output.GetSpan(PacketSize)[..PacketSize];
        packet[0] = 0x47;
        packet[1] = (byte)(0x40 | (pid >> 8));
        packet[2] = (byte)pid;
        packet[3] = 0x30;
        var at = WriteAdaptationField(packet, 2, 0x80, null);
        packet[at++] = 0;
        section.CopyTo(packet[at..]);
        packet[(at + section.Length)..].Fill(0xFF);
        output.Advance(PacketSize);
    }

    private static byte[] PatSection()
    {
        byte[] section =
        [
            0x00, 0xB0, 13, 0x00, 0x01, 0xC1, 0x00, 0x00,
            0x00, 0x01, (byte)(0xE0 | (PmtPid >> 8)), PmtPid & 0xFF,
            0, 0, 0, 0,
        ];
        BinaryPrimitives.WriteUInt32BigEndian(section.AsSpan(section.Length - 4), TsCrc32.Compute(section.AsSpan(0, section.Length - 4)));
        return section;
    }

    private static byte[] PmtSection(IReadOnlyList<TsTrack> tracks)
    {
        var length = 13 + (5 * tracks.Count);
        var section = new byte[3 + length];
        section[0] = 0x02;
        section[1] = (byte)(0xB0 | (length >> 8));
        section[2] = (byte)length;
        section[3] = 0x00;
        section[4] = 0x01; // program_number 1
        section[5] = 0xC1; // version 0, current
        section[6] = 0x00;
        section[7] = 0x00;
        section[8] = (byte)(0xE0 | (FirstElementaryPid >> 8)); // PCR on the first track
        section[9] = FirstElementaryPid & 0xFF;
        section[10] = 0xF0;
        section[11] = 0x00;
        for (var i = 0; i < tracks.Count; i++)
        {
            var pid = FirstElementaryPid + i;
            var at = 12 + (5 * i);
            section[at] = tracks[i].Codec == TsCodec.H264 ? (byte)0x1B : (byte)0x0F;
            section[at + 1] = (byte)(0xE0 | (pid >> 8));
            section[at + 2] = (byte)pid;
            section[at + 3] = 0xF0;
            section[at + 4] = 0x00;
        }

        BinaryPrimitives.WriteUInt32BigEndian(section.AsSpan(section.Length - 4), TsCrc32.Compute(section.AsSpan(0, section.Length - 4)));
        return section;
    }
}
