using System.Text;
using KvsGateway.Media.Matroska;
using KvsGateway.Media.Packaging;

namespace KvsGateway.Emulator.Storage;

/// <summary>
/// The on-disk form of one fragment: a header (times, tracks, frame tables) followed by each track's
/// sample bytes contiguously, so a track's <c>mdat</c> is a single read. Files are written to a
/// temporary name, flushed, then renamed: a crash leaves either the whole fragment or none.
/// </summary>
public static class FragmentFile
{
    public const string Extension = ".kvsf";
    private const uint Magic = 0x4653564B; // "KVSF"
    private const int Version = 1;
    private const int MaxHeaderBytes = 16 * 1024 * 1024;

    public static async Task<FragmentHeader> WriteAsync(string path, FragmentHeader header, MatroskaCluster cluster, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(cluster);

        var tracks = new List<StoredTrack>(header.Tracks.Count);
        long offset = 0;
        foreach (var track in header.Tracks)
        {
            long length = 0;
            foreach (var frame in track.Frames)
            {
                length += frame.Size;
            }

            tracks.Add(track with { DataOffset = offset, DataLength = length });
            offset += length;
        }

        var headerBytes = SerializeHeader(header with { Tracks = tracks }, cluster.Frames.Count);
        var temp = path + ".tmp";
        var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            var prefix = new byte[12];
            BitConverter.TryWriteBytes(prefix.AsSpan(0), Magic);
            BitConverter.TryWriteBytes(prefix.AsSpan(4), Version);
            BitConverter.TryWriteBytes(prefix.AsSpan(8), headerBytes.Length);
            await stream.WriteAsync(prefix, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(headerBytes, cancellationToken).ConfigureAwait(false);
            foreach (var track in tracks)
            {
                foreach (var frame in cluster.Frames)
                {
                    if (frame.TrackNumber == track.Track.TrackNumber)
                    {
                        await stream.WriteAsync(frame.Data, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        DirectorySync.Flush(Path.GetDirectoryName(path)!);
        return header with { Tracks = tracks, PayloadOffset = 12 + headerBytes.Length, PayloadLength = offset };
    }

    public static async Task<FragmentHeader> ReadHeaderAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 4096, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            var prefix = new byte[12];
            await stream.ReadExactlyAsync(prefix, cancellationToken).ConfigureAwait(false);
            if (BitConverter.ToUInt32(prefix, 0) != Magic || BitConverter.ToInt32(prefix, 4) != Version)
            {
                throw new InvalidDataException($"{path} is not a fragment file.");
            }

            var length = BitConverter.ToInt32(prefix, 8);
            if (length is <= 0 or > MaxHeaderBytes)
            {
                throw new InvalidDataException($"{path} has a corrupt header length.");
            }

            var bytes = new byte[length];
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            var header = DeserializeHeader(bytes);
            var payloadOffset = 12L + length;
            var payloadLength = header.Tracks.Sum(t => t.DataLength);
            if (stream.Length != payloadOffset + payloadLength)
            {
                throw new InvalidDataException($"{path} is truncated.");
            }

            return header with { PayloadOffset = payloadOffset, PayloadLength = payloadLength };
        }
    }

    /// <summary>The header's bytes; the buffer is sized for the frame tables up front (21 bytes a frame).</summary>
    private static ReadOnlyMemory<byte> SerializeHeader(FragmentHeader header, int frames)
    {
        using var buffer = new MemoryStream(1024 + (frames * 21));
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(header.FragmentNumber);
            w.Write(header.ProducerTimestamp.ToUnixTimeMilliseconds());
            w.Write(header.ServerTimestamp.ToUnixTimeMilliseconds());
            w.Write(header.TimecodeScaleNs);
            w.Write(header.ClusterTimecode);
            w.Write(header.DurationMs);
            w.Write(header.Tracks.Count);
            foreach (var stored in header.Tracks)
            {
                var t = stored.Track;
                w.Write(t.TrackNumber);
                w.Write(t.TrackUid);
                w.Write(t.TrackType);
                w.Write(t.CodecId);
                w.Write(t.CodecPrivate?.Length ?? -1);
                if (t.CodecPrivate is { } cpd)
                {
                    w.Write(cpd);
                }

                w.Write(t.DefaultDurationNs ?? 0);
                w.Write(t.Name ?? string.Empty);
                w.Write(t.PixelWidth);
                w.Write(t.PixelHeight);
                w.Write(t.SamplingFrequency);
                w.Write(t.Channels);
                w.Write(stored.DataOffset);
                w.Write(stored.DataLength);
                w.Write(stored.Frames.Count);
                foreach (var frame in stored.Frames)
                {
                    w.Write(frame.Timecode);
                    w.Write(frame.Size);
                    w.Write(frame.IsKeyFrame);
                    w.Write(frame.BlockDuration ?? -1);
                }
            }
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static FragmentHeader DeserializeHeader(byte[] bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        var number = r.ReadString();
        var producer = DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64());
        var server = DateTimeOffset.FromUnixTimeMilliseconds(r.ReadInt64());
        var scale = r.ReadInt64();
        var clusterTimecode = r.ReadInt64();
        var duration = r.ReadInt64();
        var trackCount = r.ReadInt32();
        if (trackCount is < 0 or > 64)
        {
            throw new InvalidDataException("Corrupt track count.");
        }

        var tracks = new List<StoredTrack>(trackCount);
        for (var i = 0; i < trackCount; i++)
        {
            var trackNumber = r.ReadUInt64();
            var uid = r.ReadUInt64();
            var type = r.ReadInt32();
            var codecId = r.ReadString();
            var cpdLength = r.ReadInt32();
            var cpd = cpdLength >= 0 ? r.ReadBytes(cpdLength) : null;
            var defaultDuration = r.ReadUInt64();
            var name = r.ReadString();
            var track = new MatroskaTrack
            {
                TrackNumber = trackNumber,
                TrackUid = uid,
                TrackType = type,
                CodecId = codecId,
                CodecPrivate = cpd,
                DefaultDurationNs = defaultDuration == 0 ? null : defaultDuration,
                Name = name.Length == 0 ? null : name,
                PixelWidth = r.ReadInt32(),
                PixelHeight = r.ReadInt32(),
                SamplingFrequency = r.ReadDouble(),
                Channels = r.ReadInt32(),
            };
            var dataOffset = r.ReadInt64();
            var dataLength = r.ReadInt64();
            var frameCount = r.ReadInt32();
            if (frameCount < 0 || frameCount > bytes.Length)
            {
                throw new InvalidDataException("Corrupt frame count.");
            }

            var frames = new FrameInfo[frameCount];
            for (var f = 0; f < frameCount; f++)
            {
                var timecode = r.ReadInt64();
                var size = r.ReadInt32();
                var key = r.ReadBoolean();
                var blockDuration = r.ReadInt64();
                frames[f] = new FrameInfo(timecode, key, blockDuration < 0 ? null : blockDuration, size);
            }

            tracks.Add(new StoredTrack(track, frames, dataOffset, dataLength));
        }

        return new FragmentHeader
        {
            FragmentNumber = number,
            ProducerTimestamp = producer,
            ServerTimestamp = server,
            TimecodeScaleNs = scale,
            ClusterTimecode = clusterTimecode,
            DurationMs = duration,
            Tracks = tracks,
        };
    }
}
