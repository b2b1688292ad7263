using System.Buffers;
using System.Globalization;
using System.Text;

namespace KvsGateway.Metering;

/// <summary>
/// The one durable form of usage: every recorded request (and viewer record) is appended, as one
/// line, to the current segment before the request completes. The segment is a file mapped into
/// memory (shared), so an append is a copy into the page cache with no system call, and the page
/// cache survives a killed process: after SIGKILL only requests still in flight are missing. Each
/// flush closes the segment (flushed to disk, cut to what was written) and starts another; a closed
/// segment is the batch applied to Redis, its id the batch's, and it is deleted only once applied, so
/// it is replayed in order at the next flush or the next start for as long as Redis is away. A
/// segment a killed process left open ends in zeros where nothing was written; reading stops there.
/// </summary>
public sealed class UsageJournal : IDisposable
{
    private const string Prefix = "journal-";
    private const string Suffix = ".log";

    // What a segment maps and takes on disk until it is closed and cut to its lines; a segment that
    // fills up is finished and another started. A second of requests at 10,000/s takes about 1.5 MB.
    private const long Capacity = 4L * 1024 * 1024;

    private readonly string _folder;
    private readonly List<JournalSegment> _full = [];
    private JournalSegment? _segment;
    private string? _path;
    private long _sequence;
    private byte[] _line = new byte[512];

    public UsageJournal(string folder)
    {
        _folder = folder;
    }

    /// <summary>Appends one count. Callers serialise appends (the meter's lock), which own the line buffer.</summary>
    public void Append(in UsageKey key, long bytes, bool success, long latencyMicroseconds)
    {
        // Names are validated before they are metered (no tab or newline can reach here from a
        // caller); cleaning stays as the journal's own guarantee of one line per count.
        var needed = 64 + Encoding.UTF8.GetMaxByteCount(key.Tenant.Length + key.Stream.Length + key.SessionId.Length + key.Api.Length);
        if (_line.Length < needed)
        {
            _line = new byte[Math.Max(needed, _line.Length * 2)];
        }

        var written = 0;
        var span = _line.AsSpan();
        written += Field(span[written..], key.Tenant);
        written += Field(span[written..], key.Stream);
        written += Field(span[written..], key.SessionId);
        written += Field(span[written..], key.Api);
        var formatted = System.Text.Unicode.Utf8.TryWrite(span[written..], CultureInfo.InvariantCulture,
            $"{key.Hour.ToUnixTimeSeconds()}\t{bytes}\t{(success ? 1 : 0)}\t{latencyMicroseconds}\n", out var tail);
        System.Diagnostics.Debug.Assert(formatted);
        Write(_line.AsSpan(0, written + tail));
    }

    /// <summary>Appends one viewer record (a <c>V</c> line holding its JSON). Callers serialise appends.</summary>
    public void AppendViewer(ViewerRecord record)
    {
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(record, MeteringJsonContext.Default.ViewerRecord);
        var line = new byte[json.Length + 3];
        line[0] = (byte)'V';
        line[1] = (byte)'\t';
        json.CopyTo(line, 2);
        line[^1] = (byte)'\n';
        Write(line);
    }

    /// <summary>
    /// Ends the current segment so the next append starts another, and hands it over to be flushed to
    /// disk by the caller outside its lock (an fsync must never hold up a request); null when nothing
    /// was written.
    /// </summary>
    internal IReadOnlyList<JournalSegment> Detach()
    {
        List<JournalSegment> detached = [.. _full];
        _full.Clear();
        if (_segment is not null)
        {
            detached.Add(_segment);
        }

        _segment = null;
        _path = null;
        return detached;
    }

    /// <summary>Flushes detached segments to disk, cut to what was written, and closes them.</summary>
    internal static void Seal(IReadOnlyList<JournalSegment> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        foreach (var segment in segments)
        {
            segment.Close(flush: true);
        }
    }

    /// <summary>Closes the segments without waiting for the disk; the next start replays them.</summary>
    public void Dispose()
    {
        foreach (var segment in Detach())
        {
            segment.Close(flush: false);
        }
    }

    /// <summary>The closed segments of the folder (every one but the segment being written), oldest first.</summary>
    public IReadOnlyList<(Guid Id, string Path)> ClosedSegments() =>
        [.. new DirectoryInfo(_folder).EnumerateFiles(Prefix + "*" + Suffix)
            .Where(f => f.FullName != _path)
            .Select(f => (Name: f.Name[Prefix.Length..^Suffix.Length].Split('-'), f.FullName))
            .Where(f => f.Name.Length == 2 && f.Name[0].Length == 22 && !f.Name[0].AsSpan().ContainsAnyExceptInRange('0', '9') && Guid.TryParseExact(f.Name[1], "N", out _))
            .OrderBy(f => f.Name[0], StringComparer.Ordinal)
            .Select(f => (Guid.ParseExact(f.Name[1], "N"), f.FullName))];

    /// <summary>A closed segment's usage; a torn last line (a kill came mid-append) is skipped.</summary>
    public static async Task<UsageBatch> ReadAsync(Guid id, string path, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<UsageKey, UsageCounts>();
        var viewers = new List<ViewerRecord>();

        // Read in pooled chunks, a line at a time: a second of requests is megabytes, and a segment
        // read whole would be a large-object array (and a string twice its size) every second.
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long offset = 0;
            var kept = 0;
            while (true)
            {
                if (kept == buffer.Length)
                {
                    // A line longer than the buffer: a larger one.
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, kept).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(kept), offset, cancellationToken).ConfigureAwait(false);
                offset += read;
                var consumed = AddLines(buffer.AsSpan(0, kept + read), counts, viewers, out var ended);
                if (read == 0 || ended)
                {
                    return new UsageBatch(id, counts, viewers);
                }

                kept = kept + read - consumed;
                buffer.AsSpan(consumed, kept).CopyTo(buffer);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Adds the complete lines of <paramref name="data"/> and says how much of it they took. Complete
    /// lines only: a segment a killed process left open is zeros past its last append (the end, said
    /// by <paramref name="ended"/>), and an append the kill cut short has a zero in it (every byte it had
    /// not copied yet) or no newline.
    /// </summary>
    private static int AddLines(ReadOnlySpan<byte> data, Dictionary<UsageKey, UsageCounts> counts, List<ViewerRecord> viewers, out bool ended)
    {
        var zero = data.IndexOf((byte)0);
        ended = zero >= 0;
        var usable = ended ? data[..zero] : data;
        var consumed = 0;
        while (usable[consumed..].IndexOf((byte)'\n') is var length and >= 0)
        {
            if (length > 0)
            {
                AddLine(Encoding.UTF8.GetString(usable.Slice(consumed, length)), counts, viewers);
            }

            consumed += length + 1;
        }

        return consumed;
    }

    private static void AddLine(string line, Dictionary<UsageKey, UsageCounts> counts, List<ViewerRecord> viewers)
    {
        if (line.StartsWith("V\t", StringComparison.Ordinal))
        {
            try
            {
                if (System.Text.Json.JsonSerializer.Deserialize(line.AsSpan(2), MeteringJsonContext.Default.ViewerRecord) is { } record)
                {
                    viewers.Add(record);
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // A line written by something else than this journal.
            }

            return;
        }

        var f = line.Split('\t');
        if (f.Length != 8
            || !long.TryParse(f[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out var hour)
            || !long.TryParse(f[5], NumberStyles.Integer, CultureInfo.InvariantCulture, out var bytes)
            || !long.TryParse(f[7], NumberStyles.Integer, CultureInfo.InvariantCulture, out var latency)
            || f[6] is not ("0" or "1"))
        {
            return;
        }

        var key = new UsageKey(f[0], f[1], f[2], f[3], DateTimeOffset.FromUnixTimeSeconds(hour));
        if (!counts.TryGetValue(key, out var value))
        {
            counts[key] = value = new UsageCounts();
        }

        value.Add(bytes, 1, f[6] == "1" ? 1 : 0, latency);
    }

    // Synchronous on purpose: an awaited hop would leave a window in which a finished request's count
    // lived only in memory. An append is a copy into the mapped page cache.
    private void Write(ReadOnlySpan<byte> line)
    {
        if (_segment?.TryAppend(line) == true)
        {
            return;
        }

        if (_segment is not null)
        {
            // Full: finished now, flushed to disk with the rest at the next close.
            _segment.Finish();
            _full.Add(_segment);
        }

        // Named so that segments sort in the order they were written, across restarts too.
        _path = System.IO.Path.Combine(_folder, string.Create(CultureInfo.InvariantCulture, $"{Prefix}{DateTime.UtcNow.Ticks:D19}{Interlocked.Increment(ref _sequence) % 1000:D3}-{Guid.NewGuid():N}{Suffix}"));
        _segment = JournalSegment.Create(_path, Math.Max(Capacity, line.Length));
        var appended = _segment.TryAppend(line);
        System.Diagnostics.Debug.Assert(appended, "a new segment has room for the line");
    }

    /// <summary>Writes <paramref name="value"/> and a tab; tabs and newlines in it become spaces.</summary>
    private static int Field(Span<byte> destination, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, destination);
        destination[..length].Replace((byte)'\t', (byte)' ');
        destination[..length].Replace((byte)'\n', (byte)' ');
        destination[..length].Replace((byte)0, (byte)' ');
        destination[length] = (byte)'\t';
        return length + 1;
    }
}
