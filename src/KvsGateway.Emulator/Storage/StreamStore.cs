using System.Collections.Concurrent;
using System.Globalization;
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
/// Streams and their fragments on disk under <see cref="EmulatorOptions.DataPath"/>, with an
/// in-memory index rebuilt at start-up. A fragment is in the index only once its file is durable.
/// </summary>
public sealed partial class StreamStore
{
    private readonly EmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<StreamStore> _logger;
    private readonly ConcurrentDictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
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

            var recordStream = File.OpenRead(recordPath);
            StreamRecord? record;
            await using (recordStream.ConfigureAwait(false))
            {
                record = await JsonSerializer.DeserializeAsync(recordStream, EmulatorJsonContext.Default.StreamRecord, cancellationToken).ConfigureAwait(false);
            }

            if (record is null)
            {
                continue;
            }

            var fragments = new List<FragmentIndexEntry>();
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

                try
                {
                    var header = await FragmentFile.ReadHeaderAsync(file, cancellationToken).ConfigureAwait(false);
                    fragments.Add(ToEntry(header, file));
                }
                catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
                {
                    LogCorruptFragment(_logger, file, ex.Message);
                }
            }

            fragments.Sort((a, b) => FragmentNumberSequence.Compare(a.FragmentNumber, b.FragmentNumber));
            _streams[record.StreamName] = new StreamState(record, directory, fragments);
        }
    }

    public StreamRecord Create(CreateStreamInput input)
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
            Version = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            CreationTime = now,
            DataRetentionInHours = retention,
        };
        var directory = Path.Combine(_root, "s-" + identity.Name);
        var state = new StreamState(record, directory, []);
        if (!_streams.TryAdd(record.StreamName, state))
        {
            throw KvsException.ResourceInUse($"The stream {identity.Name} already exists.");
        }

        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, "stream.json.tmp");
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(record, EmulatorJsonContext.Default.StreamRecord));
        File.Move(temp, Path.Combine(directory, "stream.json"), overwrite: true);
        return record;
    }

    /// <summary>The stream named by name or ARN; ResourceNotFoundException when there is none.</summary>
    public StreamRecord Get(StreamIdentity identity) => GetState(identity).Record;

    public IReadOnlyList<StreamRecord> List() => _streams.Values.Select(s => s.Record).OrderBy(r => r.StreamName, StringComparer.Ordinal).ToList();

    /// <summary>A snapshot of the stream's fragments in ingest (fragment number) order.</summary>
    public IReadOnlyList<FragmentIndexEntry> GetFragments(StreamIdentity identity)
    {
        var state = GetState(identity);
        lock (state.Gate)
        {
            return state.Fragments.ToArray();
        }
    }

    /// <summary>Makes a cluster durable as the stream's next fragment; returns once it is on disk.</summary>
    public async Task<FragmentIndexEntry> AppendAsync(StreamIdentity identity, MatroskaCluster cluster, DateTimeOffset producerTimestamp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var state = GetState(identity);
        var serverTimestamp = _time.GetUtcNow();
        var tracks = new List<StoredTrack>();
        foreach (var track in cluster.Header.Tracks)
        {
            var frames = new List<FrameInfo>();
            foreach (var frame in cluster.Frames)
            {
                if (frame.TrackNumber == track.TrackNumber)
                {
                    frames.Add(new FrameInfo(frame.Timecode, frame.IsKeyFrame, frame.BlockDuration, frame.Data.Length));
                }
            }

            tracks.Add(new StoredTrack(track, frames, 0, 0));
        }

        string number;
        lock (state.Gate)
        {
            number = state.Sequence.Next(serverTimestamp);
        }

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
        lock (state.Gate)
        {
            var index = state.Fragments.Count;
            while (index > 0 && FragmentNumberSequence.Compare(state.Fragments[index - 1].FragmentNumber, number) > 0)
            {
                index--;
            }

            state.Fragments.Insert(index, entry);
        }

        return entry;
    }

    public static Task<FragmentHeader> ReadHeaderAsync(FragmentIndexEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return FragmentFile.ReadHeaderAsync(entry.Path, cancellationToken);
    }

    private static long FragmentDurationMs(IReadOnlyList<StoredTrack> tracks, long scaleNs)
    {
        var first = tracks.FirstOrDefault(t => t.Frames.Count > 0);
        if (first is null)
        {
            return 0;
        }

        ClusterPackager.BuildSamples(first.Frames, first.Track.DefaultDurationNs, scaleNs, 1000, out var duration);
        return (long)duration;
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
        public StreamState(StreamRecord record, string directory, List<FragmentIndexEntry> fragments)
        {
            Record = record;
            Directory = directory;
            Fragments = fragments;
            Sequence = new FragmentNumberSequence(fragments.Count == 0 ? null : fragments[^1].FragmentNumber);
        }

        public StreamRecord Record { get; }

        public string Directory { get; }

        public List<FragmentIndexEntry> Fragments { get; }

        public FragmentNumberSequence Sequence { get; }

        public Lock Gate { get; } = new();
    }
}
