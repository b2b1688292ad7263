using System.Collections.Concurrent;
using System.Text.Json;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.Media.Matroska;
using KvsGateway.Media.Packaging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KvsGateway.Emulator.Storage;

/// <summary>
/// Streams and their fragments on disk under <see cref="EmulatorOptions.DataPath"/>. A fragment is
/// acknowledged only once its file and its index record are flushed; start-up replays each stream's
/// index log and reconciles it with the fragment files, so a kill at any moment loses nothing that
/// was acknowledged and lists nothing torn.
/// </summary>
public sealed partial class StreamStore : IAsyncDisposable
{
    private readonly EmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<StreamStore> _logger;
    private readonly ConcurrentDictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _createGate = new(1, 1);
    private readonly string _root;

    public StreamStore(IOptions<EmulatorOptions> options, TimeProvider time, ILogger<StreamStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _logger = logger;
        _root = Path.GetFullPath(Path.Combine(_options.DataPath, "streams"));
    }

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_root);
        foreach (var directory in Directory.EnumerateDirectories(_root))
        {
            var recordPath = Path.Combine(directory, "stream.json");
            if (!File.Exists(recordPath))
            {
                continue;
            }

            var record = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(recordPath, cancellationToken).ConfigureAwait(false), EmulatorJsonContext.Default.StreamRecord);
            if (record is null)
            {
                continue;
            }

            var (log, entries, _) = await FragmentIndexLog.OpenAsync(directory, cancellationToken).ConfigureAwait(false);
            var known = new HashSet<string>(entries.Select(e => e.FragmentNumber), StringComparer.Ordinal);
            var files = new HashSet<string>(entries.Count, StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(directory))
            {
                if (file.EndsWith(".tmp", StringComparison.Ordinal))
                {
                    // An unfinished write from a crash: it was never acknowledged.
                    File.Delete(file);
                    continue;
                }

                if (!file.EndsWith(FragmentFile.Extension, StringComparison.Ordinal))
                {
                    continue;
                }

                var number = Path.GetFileNameWithoutExtension(file);
                files.Add(number);
                if (known.Contains(number))
                {
                    continue;
                }

                // Renamed into place but not yet indexed when the process died: index it now.
                try
                {
                    var header = await FragmentFile.ReadHeaderAsync(file, cancellationToken).ConfigureAwait(false);
                    var entry = ToEntry(header, file);
                    entries.Add(entry);
                    await log.AppendAddedAsync(entry, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
                {
                    LogCorruptFragment(_logger, file, ex.Message);
                }
            }

            entries.RemoveAll(e => !files.Contains(e.FragmentNumber));
            if (!IsSorted(entries))
            {
                entries.Sort((a, b) => FragmentNumberSequence.Compare(a.FragmentNumber, b.FragmentNumber));
            }

            _streams[record.StreamName] = new StreamState(record, directory, entries, log);
        }
    }

    public async Task<StreamRecord> CreateAsync(CreateStreamInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var identity = StreamIdentity.Parse(input.StreamName ?? string.Empty, null);
        var retention = input.DataRetentionInHours ?? 0;
        if (retention < 0)
        {
            throw KvsValidation.ConstraintViolation(retention, "dataRetentionInHours", "Member must have value greater than or equal to 0");
        }

        var now = _time.GetUtcNow();
        var record = new StreamRecord
        {
            StreamName = identity.Name,
            StreamArn = $"arn:aws:kinesisvideo:{_options.Region}:{_options.AccountId}:stream/{identity.Name}/{now.ToUnixTimeMilliseconds()}",
            DeviceName = input.DeviceName,
            MediaType = input.MediaType,
            KmsKeyId = input.KmsKeyId,
            Version = NewVersion(),
            CreationTime = now,
            DataRetentionInHours = retention,
        };

        await _createGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_streams.ContainsKey(record.StreamName))
            {
                throw KvsException.ResourceInUse($"The stream {identity.Name} already exists.");
            }

            var directory = Path.Combine(_root, "s-" + identity.Name);
            Directory.CreateDirectory(directory);
            await WriteRecordAsync(directory, record, cancellationToken).ConfigureAwait(false);
            var (log, entries, _) = await FragmentIndexLog.OpenAsync(directory, cancellationToken).ConfigureAwait(false);
            _streams[record.StreamName] = new StreamState(record, directory, entries, log);
        }
        finally
        {
            _createGate.Release();
        }

        return record;
    }

    /// <summary>The stream named by name or ARN; ResourceNotFoundException when there is none.</summary>
    public StreamRecord Get(StreamIdentity identity) => GetState(identity).Record;

    /// <summary>
    /// The stream's retention boundary now: fragments received before it are no longer served, and
    /// the next retention sweep deletes them.
    /// </summary>
    public DateTimeOffset RetainedSince(StreamIdentity identity) => _time.GetUtcNow().AddHours(-GetState(identity).Record.DataRetentionInHours);

    public IReadOnlyList<StreamRecord> List() => _streams.Values.Select(s => s.Record).OrderBy(r => r.StreamName, StringComparer.Ordinal).ToList();

    public async Task DeleteAsync(StreamIdentity identity, string? currentVersion, CancellationToken cancellationToken)
    {
        var state = GetState(identity);
        RequireVersion(state.Record, currentVersion);
        if (!_streams.TryRemove(new KeyValuePair<string, StreamState>(state.Record.StreamName, state)))
        {
            throw KvsException.ResourceNotFound($"The stream {identity.Name} does not exist.");
        }

        await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await state.Log.DisposeAsync().ConfigureAwait(false);
            Directory.Delete(state.Directory, recursive: true);
        }
        finally
        {
            state.Gate.Release();
        }
    }

    public async Task<StreamRecord> UpdateRetentionAsync(StreamIdentity identity, string? currentVersion, string? operation, int? changeInHours, CancellationToken cancellationToken)
    {
        var state = GetState(identity);
        if (changeInHours is not { } change || change < 1)
        {
            throw KvsValidation.ConstraintViolation(changeInHours, "dataRetentionChangeInHours", "Member must have value greater than or equal to 1");
        }

        var sign = operation switch
        {
            "INCREASE_DATA_RETENTION" => 1,
            "DECREASE_DATA_RETENTION" => -1,
            _ => throw KvsValidation.ConstraintViolation(operation, "operation", "Member must satisfy enum value set: [INCREASE_DATA_RETENTION, DECREASE_DATA_RETENTION]"),
        };

        await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RequireVersion(state.Record, currentVersion);
            var retention = state.Record.DataRetentionInHours + (sign * change);
            if (retention < 0)
            {
                throw KvsException.InvalidArgument($"DataRetentionChangeInHours {change} would make the retention of {state.Record.StreamName} negative.");
            }

            var updated = state.Record with { DataRetentionInHours = retention, Version = NewVersion() };
            await WriteRecordAsync(state.Directory, updated, cancellationToken).ConfigureAwait(false);
            state.Record = updated;
            return updated;
        }
        finally
        {
            state.Gate.Release();
        }
    }

    /// <summary>A snapshot of the stream's fragments in ingest (fragment number) order.</summary>
    public IReadOnlyList<FragmentIndexEntry> GetFragments(StreamIdentity identity)
    {
        var state = GetState(identity);
        lock (state.Fragments)
        {
            return state.Fragments.ToArray();
        }
    }

    /// <summary>Makes a cluster durable as the stream's next fragment; returns once file and index are on disk.</summary>
    public async Task<FragmentIndexEntry> AppendAsync(StreamIdentity identity, MatroskaCluster cluster, DateTimeOffset producerTimestamp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var state = GetState(identity);
        var tracks = new List<StoredTrack>(cluster.Header.Tracks.Count);
        foreach (var track in cluster.Header.Tracks)
        {
            // Sized exactly: a frame's bookkeeping is what a hostile producer tries to multiply.
            var count = 0;
            foreach (var frame in cluster.Frames)
            {
                count += frame.TrackNumber == track.TrackNumber ? 1 : 0;
            }

            var frames = new FrameInfo[count];
            var next = 0;
            foreach (var frame in cluster.Frames)
            {
                if (frame.TrackNumber == track.TrackNumber)
                {
                    frames[next++] = new FrameInfo(frame.Timecode, frame.IsKeyFrame, frame.BlockDuration, frame.Data.Length);
                }
            }

            tracks.Add(new StoredTrack(track, frames, 0, 0));
        }

        await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_streams.TryGetValue(state.Record.StreamName, out var current) || !ReferenceEquals(current, state))
            {
                throw KvsException.ResourceNotFound($"The stream {identity.Name} does not exist.");
            }

            var serverTimestamp = _time.GetUtcNow();
            var number = state.Sequence.Next(serverTimestamp);
            var header = new FragmentHeader
            {
                FragmentNumber = number,
                ProducerTimestamp = producerTimestamp,
                ServerTimestamp = serverTimestamp,
                TimecodeScaleNs = cluster.Header.TimecodeScaleNs,
                ClusterTimecode = cluster.Timecode,
                DurationMs = FragmentDurationMs(tracks, cluster.Header.TimecodeScaleNs),
                Tracks = tracks,
            };
            var path = Path.Combine(state.Directory, number + FragmentFile.Extension);
            var written = await FragmentFile.WriteAsync(path, header, cluster, cancellationToken).ConfigureAwait(false);
            var entry = ToEntry(written, path);
            await state.Log.AppendAddedAsync(entry, cancellationToken).ConfigureAwait(false);
            lock (state.Fragments)
            {
                state.Fragments.Add(entry);
            }

            return entry;
        }
        finally
        {
            state.Gate.Release();
        }
    }

    /// <summary>Deletes fragments older than their stream's retention (all of them for retention 0).</summary>
    public async Task<int> ApplyRetentionAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var removed = 0;
        foreach (var state in _streams.Values)
        {
            var cutoff = now.AddHours(-state.Record.DataRetentionInHours);
            List<FragmentIndexEntry> expired;
            lock (state.Fragments)
            {
                expired = state.Fragments.Where(f => f.ServerTimestamp < cutoff).ToList();
            }

            if (expired.Count == 0)
            {
                continue;
            }

            await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                foreach (var entry in expired)
                {
                    await state.Log.AppendDeletedAsync(entry, cancellationToken).ConfigureAwait(false);
                    lock (state.Fragments)
                    {
                        state.Fragments.Remove(entry);
                    }

                    File.Delete(entry.Path);
                    state.Deletions++;
                    removed++;
                }

                List<FragmentIndexEntry> live;
                lock (state.Fragments)
                {
                    live = state.Fragments.ToList();
                }

                if (state.Deletions > 1000 && state.Deletions > live.Count)
                {
                    await state.Log.RewriteAsync(live, cancellationToken).ConfigureAwait(false);
                    state.Deletions = 0;
                }
            }
            finally
            {
                state.Gate.Release();
            }
        }

        return removed;
    }

    public static Task<FragmentHeader> ReadHeaderAsync(FragmentIndexEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return FragmentFile.ReadHeaderAsync(entry.Path, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var state in _streams.Values)
        {
            await state.Log.DisposeAsync().ConfigureAwait(false);
        }

        _createGate.Dispose();
    }

    private static bool IsSorted(List<FragmentIndexEntry> entries)
    {
        for (var i = 1; i < entries.Count; i++)
        {
            if (FragmentNumberSequence.Compare(entries[i - 1].FragmentNumber, entries[i].FragmentNumber) > 0)
            {
                return false;
            }
        }

        return true;
    }

    private static string NewVersion() => Guid.NewGuid().ToString("N")[..12];

    private static void RequireVersion(StreamRecord record, string? currentVersion)
    {
        if (currentVersion is not null && currentVersion != record.Version)
        {
            throw new KvsException("VersionMismatchException", 400, $"The stream version {currentVersion} is not the current version of {record.StreamName}.");
        }
    }

    private static async Task WriteRecordAsync(string directory, StreamRecord record, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(directory, "stream.json.tmp");
        await File.WriteAllBytesAsync(temp, JsonSerializer.SerializeToUtf8Bytes(record, EmulatorJsonContext.Default.StreamRecord), cancellationToken).ConfigureAwait(false);
        File.Move(temp, Path.Combine(directory, "stream.json"), overwrite: true);
        DirectorySync.Flush(directory);
    }

    private static long FragmentDurationMs(IReadOnlyList<StoredTrack> tracks, long scaleNs)
    {
        var first = tracks.FirstOrDefault(t => t.Frames.Count > 0);
        if (first is null)
        {
            return 0;
        }

        return (long)ClusterPackager.MeasureDuration(first.Frames, first.Track.DefaultDurationNs, scaleNs, 1000);
    }

    private static FragmentIndexEntry ToEntry(FragmentHeader header, string path) => new(
        header.FragmentNumber,
        header.ProducerTimestamp,
        header.ServerTimestamp,
        header.DurationMs,
        header.PayloadLength,
        path);

    private StreamState GetState(StreamIdentity identity)
    {
        if (_streams.TryGetValue(identity.Name, out var state)
            && (identity.StreamArn is null || identity.StreamArn == state.Record.StreamArn))
        {
            return state;
        }

        throw KvsException.ResourceNotFound(identity.StreamArn is null
            ? $"The stream {identity.Name} does not exist."
            : $"The stream with ARN {identity.StreamArn} does not exist.");
    }

    [LoggerMessage(1, LogLevel.Warning, "Skipping unreadable fragment file {File}: {Reason}")]
    private static partial void LogCorruptFragment(ILogger logger, string file, string reason);

    private sealed class StreamState
    {
        public StreamState(StreamRecord record, string directory, List<FragmentIndexEntry> fragments, FragmentIndexLog log)
        {
            Record = record;
            Directory = directory;
            Fragments = fragments;
            Log = log;
            Sequence = new FragmentNumberSequence(fragments.Count == 0 ? null : fragments[^1].FragmentNumber);
        }

        public StreamRecord Record { get; set; }

        public string Directory { get; }

        public List<FragmentIndexEntry> Fragments { get; }

        public FragmentIndexLog Log { get; }

        public FragmentNumberSequence Sequence { get; }

        /// <summary>Serializes appends, deletions and record updates of this stream.</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Deletions { get; set; }
    }
}
