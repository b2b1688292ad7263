using System.Buffers.Binary;
using KvsGateway.Media.MpegTs;

namespace KvsGateway.Tests.MpegTs;

/// <summary>
/// An independent reading of a TS chunk as ISO/IEC 13818-1 lays it out, asserting the structure as it
/// goes: 188-byte packets with the sync byte, continuity counters that advance by one per payload
/// packet after a signalled start, PSI sections with a valid CRC, PES packets reassembled per PID.
/// </summary>
internal sealed class TsChunk
{
    public Dictionary<int, List<Pes>> Streams { get; } = [];

    /// <summary>Every PCR in the chunk, in order, with the PID of the next PES start after it.</summary>
    public List<long> Pcrs { get; } = [];

    public Dictionary<int, byte> StreamTypes { get; } = [];

    public int PcrPid { get; private set; } = -1;

    public int PmtPid { get; private set; } = -1;

    public static TsChunk Read(byte[] data)
    {
        Assert.Equal(0, data.Length % TsMuxer.PacketSize);
        var chunk = new TsChunk();
        var counters = new Dictionary<int, int>();
        var open = new Dictionary<int, (List<byte> Bytes, bool Random)>();
        for (var at = 0; at < data.Length; at += TsMuxer.PacketSize)
        {
            var packet = data.AsSpan(at, TsMuxer.PacketSize);
            Assert.Equal(0x47, packet[0]);
            Assert.Equal(0, packet[1] & 0x80); // no transport error
            var start = (packet[1] & 0x40) != 0;
            var pid = ((packet[1] & 0x1F) << 8) | packet[2];
            Assert.Equal(0, packet[3] & 0xC0); // not scrambled
            var control = (packet[3] >> 4) & 0x3;
            Assert.NotEqual(0, control);
            var counter = packet[3] & 0xF;
            var payloadAt = 4;
            var discontinuity = false;
            var random = false;
            if ((control & 0x2) != 0)
            {
                var length = packet[4];
                Assert.True(length <= 183, $"adaptation field of {length} bytes");
                payloadAt = 5 + length;
                if (length > 0)
                {
                    var flags = packet[5];
                    discontinuity = (flags & 0x80) != 0;
                    random = (flags & 0x40) != 0;
                    if ((flags & 0x10) != 0)
                    {
                        var b = packet.Slice(6, 6);
                        var pcrBase = ((long)b[0] << 25) | ((long)b[1] << 17) | ((long)b[2] << 9) | ((long)b[3] << 1) | ((long)b[4] >> 7);
                        Assert.Equal(0x7E, b[4] & 0x7E); // reserved bits
                        chunk.Pcrs.Add(pcrBase);
                        Assert.Equal(chunk.PcrPid < 0 ? pid : chunk.PcrPid, pid);
                    }

                    Assert.All(packet[(6 + ((flags & 0x10) != 0 ? 6 : 0))..payloadAt].ToArray(), b => Assert.Equal(0xFF, b));
                }

                if ((control & 0x1) == 0)
                {
                    Assert.Equal(TsMuxer.PacketSize, payloadAt);
                }
            }

            var hasPayload = (control & 0x1) != 0;
            if (counters.TryGetValue(pid, out var last))
            {
                Assert.True((hasPayload ? (last + 1) & 0xF : last) == counter, $"PID {pid} packet {at / TsMuxer.PacketSize}: counter {counter} after {last}, payload {hasPayload}, control {control}, adaptation {(control > 1 ? packet[4] : -1)}");
            }
            else
            {
                // A chunk restarts every counter and says so, so chunks can be read back to back.
                Assert.True(discontinuity, $"first packet of PID {pid} without discontinuity_indicator");
                Assert.Equal(0, counter);
            }

            counters[pid] = counter;
            if (!hasPayload)
            {
                continue;
            }

            var payload = packet[payloadAt..];
            if (pid == 0 || pid == chunk.PmtPid)
            {
                Assert.True(start);
                chunk.ReadSection(pid, payload);
                continue;
            }

            Assert.True(chunk.StreamTypes.ContainsKey(pid), $"PID {pid} is not in the PMT");
            if (start)
            {
                chunk.Close(pid, open);
                open[pid] = (new List<byte>(), random);
            }

            Assert.True(open.ContainsKey(pid), $"PID {pid} continues a PES that never started");
            open[pid].Bytes.AddRange(payload.ToArray());
        }

        foreach (var pid in open.Keys.ToList())
        {
            chunk.Close(pid, open);
        }

        return chunk;
    }

    private void Close(int pid, Dictionary<int, (List<byte> Bytes, bool Random)> open)
    {
        if (!open.Remove(pid, out var pes))
        {
            return;
        }

        var bytes = pes.Bytes.ToArray();
        Assert.Equal([0, 0, 1], bytes[..3]);
        var length = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(4));
        if (length != 0)
        {
            Assert.Equal(bytes.Length - 6, length);
        }

        Assert.Equal(0x80, bytes[6] & 0xC0);
        var flags = bytes[7] & 0xC0;
        Assert.True(flags is 0x80 or 0xC0, $"PTS_DTS_flags {flags:X}");
        var headerLength = bytes[8];
        var pts = Timestamp(bytes.AsSpan(9), flags == 0xC0 ? 0x3 : 0x2);
        var dts = flags == 0xC0 ? Timestamp(bytes.AsSpan(14), 0x1) : pts;
        Assert.True(pts >= dts);
        if (!Streams.TryGetValue(pid, out var list))
        {
            Streams[pid] = list = [];
        }

        list.Add(new Pes(bytes[3], pts, dts, pes.Random, bytes[(9 + headerLength)..]));
    }

    private static long Timestamp(ReadOnlySpan<byte> b, int prefix)
    {
        Assert.Equal(prefix, b[0] >> 4);
        Assert.Equal(1, b[0] & 1);
        Assert.Equal(1, b[2] & 1);
        Assert.Equal(1, b[4] & 1);
        return ((long)(b[0] & 0x0E) << 29) | ((long)b[1] << 22) | ((long)(b[2] & 0xFE) << 14) | ((long)b[3] << 7) | ((long)b[4] >> 1);
    }

    private void ReadSection(int pid, ReadOnlySpan<byte> payload)
    {
        var pointer = payload[0];
        var section = payload[(1 + pointer)..];
        var length = ((section[1] & 0x0F) << 8) | section[2];
        var whole = section[..(3 + length)];
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(whole[^4..]), TsCrc32.Compute(whole[..^4]));
        Assert.All(section[(3 + length)..].ToArray(), b => Assert.Equal(0xFF, b));
        if (pid == 0)
        {
            Assert.Equal(0x00, section[0]);
            Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(section[8..]));
            PmtPid = ((section[10] & 0x1F) << 8) | section[11];
            return;
        }

        Assert.Equal(0x02, section[0]);
        PcrPid = ((section[8] & 0x1F) << 8) | section[9];
        var infoLength = ((section[10] & 0x0F) << 8) | section[11];
        for (var at = 12 + infoLength; at < 3 + length - 4;)
        {
            var type = section[at];
            var elementary = ((section[at + 1] & 0x1F) << 8) | section[at + 2];
            var esInfo = ((section[at + 3] & 0x0F) << 8) | section[at + 4];
            StreamTypes[elementary] = type;
            at += 5 + esInfo;
        }
    }

    internal sealed record Pes(byte StreamId, long Pts, long Dts, bool RandomAccess, byte[] Payload);
}
