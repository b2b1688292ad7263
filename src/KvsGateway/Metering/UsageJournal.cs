using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace KvsGateway.Metering;

/// <summary>
/// The one durable form of usage: every recorded request (and viewer record) is appended, as one
/// line, to the current segment before the request completes. A write lands in the page cache, which
/// survives a killed process, so after SIGKILL only requests still in flight are missing. Each flush
/// closes the segment (flushed to disk) and starts another; a closed segment is the batch applied to
/// Redis, its id the batch's, and it is deleted only once applied, so it is replayed in order at the
/// next flush or the next start for as long as Redis is away.
/// </summary>
public sealed class UsageJournal : IDisposable
{
    private const string Prefix = "journal-";
    private const string Suffix = ".log";

    private readonly string _folder;
    private SafeFileHandle? _handle;
    private string? _path;
    private long _offset;
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
    public SafeFileHandle? Detach()
    {
        var handle = _handle;
        _handle = null;
        _path = null;
        _offset = 0;
        return handle;
    }

    /// <summary>Flushes a detached segment to disk and closes it.</summary>
    public static void Seal(SafeFileHandle segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        using (segment)
        {
            RandomAccess.FlushToDisk(segment);
        }
    }

    public void Dispose() => _handle?.Dispose();

    /// <summary>The closed segments of the folder (every one but the segment being written), oldest first.</summary>
    public IReadOnlyList<(Guid Id, string Path)> ClosedSegments() =>
        [.. new DirectoryInfo(_folder).EnumerateFiles(Prefix + "*" + Suffix)
            .Where(f => f.FullName != _path)
            .Select(f => (Name: f.Name[Prefix.Length..^Suffix.Length].Split('-'), f.FullName))
            .Where(f => f.Name.Length == 2 && f.Name[0].Length == 22 && !f.Name[0].AsSpan().ContainsAnyExceptInRange('0', '9') && Guid.TryParseExact(f.Name[1], "N", out _))
            .OrderBy(f => f.Name[0], StringComparer.Ordinal)
            .Select(f => (Guid.ParseExact(f.Name[1], "N"), f.FullName))];

    /// <summary>A closed segment's usage; a torn last line (a kill came mid-write) is skipped.</summary>
    public static async Task<UsageBatch> ReadAsync(Guid id, string path, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<UsageKey, UsageCounts>();
        var viewers = new List<ViewerRecord>();
        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false))
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
                    // A torn last line.
                }

                continue;
            }

            var f = line.Split('\t');
            if (f.Length != 8
                || !long.TryParse(f[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out var hour)
                || !long.TryParse(f[5], NumberStyles.Integer, CultureInfo.InvariantCulture, out var bytes)
                || !long.TryParse(f[7], NumberStyles.Integer, CultureInfo.InvariantCulture, out var latency)
                || f[6] is not ("0" or "1"))
            {
                continue;
            }

            var key = new UsageKey(f[0], f[1], f[2], f[3], DateTimeOffset.FromUnixTimeSeconds(hour));
            if (!counts.TryGetValue(key, out var value))
            {
                counts[key] = value = new UsageCounts();
            }

            value.Add(bytes, 1, f[6] == "1" ? 1 : 0, latency);
        }

        return new UsageBatch(id, counts, viewers);
    }

    private void Write(ReadOnlySpan<byte> line)
    {
        if (_handle is null)
        {
            // Named so that segments sort in the order they were written, across restarts too.
            _path = System.IO.Path.Combine(_folder, string.Create(CultureInfo.InvariantCulture, $"{Prefix}{DateTime.UtcNow.Ticks:D19}{Interlocked.Increment(ref _sequence) % 1000:D3}-{Guid.NewGuid():N}{Suffix}"));
            _handle = File.OpenHandle(_path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        }

        // Synchronous on purpose: an awaited hop would leave a window in which a finished request's
        // count lived only in memory. It is one write(2) into the page cache.
        RandomAccess.Write(_handle, line, _offset);
        _offset += line.Length;
    }

    /// <summary>Writes <paramref name="value"/> and a tab; tabs and newlines in it become spaces.</summary>
    private static int Field(Span<byte> destination, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, destination);
        destination[..length].Replace((byte)'\t', (byte)' ');
        destination[..length].Replace((byte)'\n', (byte)' ');
        destination[length] = (byte)'\t';
        return length + 1;
    }
}
