using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace KvsGateway.Emulator.Storage;

/// <summary>
/// A stream's append-only index: one CRC-checked record per stored or deleted fragment, flushed to
/// disk before a fragment is acknowledged. Start-up replays it instead of opening every fragment
/// file; a torn last record (a crash mid-append) fails its CRC and is cut off.
/// </summary>
internal sealed class FragmentIndexLog : IAsyncDisposable
{
    public const string FileName = "index.log";
    private const byte Added = (byte)'A';
    private const byte Deleted = (byte)'D';
    private const int MaxRecordBytes = 4096;

    private readonly string _path;
    private FileStream _stream;

    private FragmentIndexLog(string path, FileStream stream)
    {
        _path = path;
        _stream = stream;
    }

    /// <summary>Opens (or creates) the log and returns the live entries it records, in log order.</summary>
    public static async Task<(FragmentIndexLog Log, List<FragmentIndexEntry> Entries, int Deletions)> OpenAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, FileName);
        var live = new Dictionary<string, FragmentIndexEntry>(StringComparer.Ordinal);
        var order = new List<string>();
        var deletions = 0;
        long goodLength = 0;
        if (File.Exists(path))
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            var offset = 0;
            while (offset + 8 <= bytes.Length)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
                if (length is <= 0 or > MaxRecordBytes || offset + 8 + length > bytes.Length)
                {
                    break;
                }

                var payload = bytes.AsSpan(offset + 4, length);
                if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4 + length)) != Crc32.HashToUInt32(payload))
                {
                    break;
                }

                var (kind, entry) = Decode(payload, directory);
                if (kind == Added)
                {
                    live[entry.FragmentNumber] = entry;
                    order.Add(entry.FragmentNumber);
                }
                else if (live.Remove(entry.FragmentNumber))
                {
                    deletions++;
                }

                offset += 8 + length;
            }

            goodLength = offset;
        }

        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 4096, FileOptions.Asynchronous);
        if (stream.Length != goodLength)
        {
            // Cut a torn tail so new records follow the last whole one.
            stream.SetLength(goodLength);
        }

        stream.Position = goodLength;
        var entries = new List<FragmentIndexEntry>(live.Count);
        foreach (var number in order)
        {
            if (live.Remove(number, out var entry))
            {
                entries.Add(entry);
            }
        }

        return (new FragmentIndexLog(path, stream), entries, deletions);
    }

    public Task AppendAddedAsync(FragmentIndexEntry entry, CancellationToken cancellationToken) => AppendAsync(Encode(Added, entry), cancellationToken);

    public Task AppendDeletedAsync(FragmentIndexEntry entry, CancellationToken cancellationToken) => AppendAsync(Encode(Deleted, entry), cancellationToken);

    /// <summary>Replaces the log with one that records only <paramref name="live"/> (after many deletions).</summary>
    public async Task RewriteAsync(IEnumerable<FragmentIndexEntry> live, CancellationToken cancellationToken)
    {
        var temp = _path + ".tmp";
        var fresh = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
        await using (fresh.ConfigureAwait(false))
        {
            foreach (var entry in live)
            {
                await fresh.WriteAsync(Frame(Encode(Added, entry)), cancellationToken).ConfigureAwait(false);
            }

            await fresh.FlushAsync(cancellationToken).ConfigureAwait(false);
            fresh.Flush(flushToDisk: true);
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        File.Move(temp, _path, overwrite: true);
        DirectorySync.Flush(Path.GetDirectoryName(_path)!);
        _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.Asynchronous);
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    private async Task AppendAsync(byte[] payload, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(Frame(payload), cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stream.Flush(flushToDisk: true);
    }

    private static byte[] Frame(byte[] payload)
    {
        var record = new byte[payload.Length + 8];
        BinaryPrimitives.WriteInt32LittleEndian(record, payload.Length);
        payload.CopyTo(record, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4 + payload.Length), Crc32.HashToUInt32(payload));
        return record;
    }

    private static byte[] Encode(byte kind, FragmentIndexEntry entry)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(kind);
            w.Write(entry.FragmentNumber);
            w.Write(entry.ProducerTimestamp.ToUnixTimeMilliseconds());
            w.Write(entry.ServerTimestamp.ToUnixTimeMilliseconds());
            w.Write(entry.DurationMs);
            w.Write(entry.SizeInBytes);
        }

        return buffer.ToArray();
    }

    private static (byte Kind, FragmentIndexEntry Entry) Decode(ReadOnlySpan<byte> payload, string directory)
    {
        // Span parsing of the BinaryWriter layout: start-up replays every record, so no per-record streams.
        var kind = payload[0];
        var offset = 1;
        var length = 0;
        var shift = 0;
        byte b;
        do
        {
            b = payload[offset++];
            length |= (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0 && shift < 35);

        var number = Encoding.UTF8.GetString(payload.Slice(offset, length));
        offset += length;
        var fields = payload[offset..];
        var entry = new FragmentIndexEntry(
            number,
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(fields)),
            DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(fields[8..])),
            BinaryPrimitives.ReadInt64LittleEndian(fields[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(fields[24..]),
            Path.Join(directory, number + FragmentFile.Extension));
        return (kind, entry);
    }
}
