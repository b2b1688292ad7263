using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Wire;
using KvsGateway.Media.Matroska;
using KvsGateway.Media.Packaging;

namespace KvsGateway.Ingest;

/// <summary>
/// Pushes a Matroska file through PutMedia as one producer connection: optionally paced in real
/// time, optionally looped forever with timecodes shifted by the file's length on every pass, so a
/// short file becomes an endless live stream.
/// </summary>
public sealed class MediaFileIngest
{
    private readonly KvsClient _client;
    private readonly TimeProvider _time;

    public MediaFileIngest(KvsClient client, TimeProvider time)
    {
        _client = client;
        _time = time;
    }

    /// <summary>Streams the file and calls <paramref name="onAck"/> for every ACK; returns the number of persisted fragments.</summary>
    public async Task<int> RunAsync(string stream, string path, bool realtime, bool loop, Action<PutMediaAck> onAck, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onAck);
        var (header, clusters, length) = await ReadFileAsync(path, cancellationToken).ConfigureAwait(false);
        var pipe = new System.IO.Pipelines.Pipe();
        var producerStart = _time.GetUtcNow();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = ProduceAsync(pipe.Writer.AsStream(), header, clusters, length, realtime, loop, producerStart, stop.Token);
        var persisted = 0;
        try
        {
            var request = new PutMediaRequest { StreamName = stream, Body = pipe.Reader.AsStream(), FragmentTimecodeType = "RELATIVE", ProducerStartTimestamp = producerStart };
            await foreach (var ack in _client.PutMediaAsync(request, stop.Token).ConfigureAwait(false))
            {
                onAck(ack);
                if (ack.EventType == PutMediaEventTypes.Persisted)
                {
                    persisted++;
                }
                else if (ack.EventType == PutMediaEventTypes.Error)
                {
                    break;
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return persisted;
    }

    private async Task ProduceAsync(Stream output, MatroskaSegmentHeader header, List<MatroskaCluster> clusters, long lengthTicks, bool realtime, bool loop, DateTimeOffset start, CancellationToken cancellationToken)
    {
        await using (output.ConfigureAwait(false))
        {
            var writer = new MatroskaWriter(output);
            await writer.WriteHeaderAsync(header, cancellationToken).ConfigureAwait(false);
            var first = clusters[0].Timecode;
            long offset = -first;
            do
            {
                foreach (var cluster in clusters)
                {
                    if (realtime)
                    {
                        var due = start + TimeSpan.FromTicks((long)((Int128)(cluster.Timecode + offset) * header.TimecodeScaleNs / 100));
                        var wait = due - _time.GetUtcNow();
                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    await writer.WriteClusterAsync(cluster, offset, cancellationToken).ConfigureAwait(false);
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                offset += lengthTicks;
            }
            while (loop && !cancellationToken.IsCancellationRequested);
        }
    }

    /// <summary>The file's clusters and its length in timecode ticks (start of the first to end of the last).</summary>
    private static async Task<(MatroskaSegmentHeader Header, List<MatroskaCluster> Clusters, long Length)> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            var reader = new MatroskaReader(file);
            var clusters = new List<MatroskaCluster>();
            while (await reader.ReadClusterAsync(cancellationToken).ConfigureAwait(false) is { } cluster)
            {
                clusters.Add(cluster);
            }

            if (clusters.Count == 0 || reader.Header is null)
            {
                throw new MatroskaFormatException($"{path} holds no Cluster.");
            }

            var last = clusters[^1];
            var track = last.Header.Tracks[0];
            var frames = last.Frames.Where(f => f.TrackNumber == track.TrackNumber)
                .Select(f => new FrameInfo(f.Timecode, f.IsKeyFrame, f.BlockDuration, f.Data.Length)).ToList();
            ClusterPackager.BuildSamples(frames, track.DefaultDurationNs, last.Header.TimecodeScaleNs, (uint)(1_000_000_000 / last.Header.TimecodeScaleNs), out var lastDuration);
            var end = frames.Count == 0 ? last.Timecode : frames.Min(f => f.Timecode) + (long)lastDuration;
            return (reader.Header, clusters, Math.Max(1, end - clusters[0].Timecode));
        }
    }
}
