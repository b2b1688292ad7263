using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace KvsGateway.Metering;

/// <summary>
/// The durable shadow of the in-memory counts: every recorded request is appended, as one line, to
/// the journal segment of the current flush interval before the request completes. A write lands
/// in the page cache, which survives a killed process, so after SIGKILL only requests still in
/// flight are missing. A segment is named after the batch it becomes and deleted once that batch
/// is in Redis or in the spool.
/// </summary>
public sealed class UsageJournal : IDisposable
{
    private const string Prefix = "journal-";
    private const string Suffix = ".log";

    private readonly string _folder;
    private SafeFileHandle? _handle;
    private long _offset;

    public UsageJournal(string folder)
    {
        _folder = folder;
    }

    public Guid SegmentId { get; private set; } = Guid.NewGuid();

    public string SegmentPath => PathOf(_folder, SegmentId);

    /// <summary>Appends one record to the current segment. Callers hold the meter's lock.</summary>
    public void Append(in UsageKey key, long bytes, bool success, long latencyMicroseconds)
    {
        _handle ??= File.OpenHandle(SegmentPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{Clean(key.Tenant)}\t{Clean(key.Stream)}\t{Clean(key.SessionId)}\t{key.Api}\t{key.Hour.ToUnixTimeSeconds()}\t{bytes}\t{(success ? 1 : 0)}\t{latencyMicroseconds}\n");

        // Synchronous on purpose: an awaited hop would leave a window in which a finished request's
        // count lived only in memory. It is one write(2) into the page cache.
        var bytesOut = Encoding.UTF8.GetBytes(line);
        RandomAccess.Write(_handle, bytesOut, _offset);
        _offset += bytesOut.Length;
    }

    /// <summary>Appends one viewer record (a <c>V</c> line holding its JSON). Callers hold the meter's lock.</summary>
    public void AppendViewer(ViewerRecord record)
    {
        _handle ??= File.OpenHandle(SegmentPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(record, MeteringJsonContext.Default.ViewerRecord);
        var line = new byte[json.Length + 3];
        line[0] = (byte)'V';
        line[1] = (byte)'\t';
        json.CopyTo(line, 2);
        line[^1] = (byte)'\n';
        RandomAccess.Write(_handle, line, _offset);
        _offset += line.Length;
    }

    /// <summary>Starts a new segment; returns the finished one's id and path (null when nothing was written).</summary>
    public (Guid Id, string Path)? Rotate()
    {
        var finished = _handle is null ? ((Guid, string)?)null : (SegmentId, SegmentPath);
        _handle?.Dispose();
        _handle = null;
        _offset = 0;
        SegmentId = Guid.NewGuid();
        return finished;
    }

    public void Dispose() => _handle?.Dispose();

    /// <summary>Segments left by an earlier run of this folder (a crash), oldest first.</summary>
    public static IReadOnlyList<(Guid Id, string Path)> FindLeftovers(string folder) =>
        [.. new DirectoryInfo(folder).EnumerateFiles(Prefix + "*" + Suffix)
            .OrderBy(f => f.LastWriteTimeUtc)
            .Select(f => (Ok: Guid.TryParse(f.Name[Prefix.Length..^Suffix.Length], out var id), Id: id, f.FullName))
            .Where(f => f.Ok)
            .Select(f => (f.Id, f.FullName))];

    /// <summary>Rebuilds a segment's counts; a torn last line (the kill came mid-write) is skipped.</summary>
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

    private static string PathOf(string folder, Guid id) => System.IO.Path.Combine(folder, $"{Prefix}{id:N}{Suffix}");

    private static string Clean(string value) => value.Contains('\t') || value.Contains('\n') ? value.Replace('\t', ' ').Replace('\n', ' ') : value;
}
