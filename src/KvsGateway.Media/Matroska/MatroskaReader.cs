using System.Text;

namespace KvsGateway.Media.Matroska;

/// <summary>
/// Reads Matroska as KVS producers send it, one Cluster (one fragment) at a time, from a
/// forward-only stream. Several EBML Segments may follow each other (a producer that restarts).
/// Only one Cluster is held in memory at once, and its size is bounded.
/// </summary>
public sealed class MatroskaReader
{
    private const long DefaultTimecodeScaleNs = 1_000_000;
    private const int SharedBlockBytes = 64 * 1024;

    private readonly EbmlStreamReader _reader;
    private readonly MatroskaReaderOptions _options;

    // Reused from cluster to cluster: only the exact-size copy each cluster keeps is allocated.
    private readonly List<MatroskaFrame> _frames = [];
    private EbmlElementHeader? _pending;
    private long _segmentEnd = -1;
    private long _timecodeScaleNs = DefaultTimecodeScaleNs;
    private List<MatroskaTrack>? _tracks;

    public MatroskaReader(Stream stream, MatroskaReaderOptions? options = null)
    {
        _reader = new EbmlStreamReader(stream);
        _options = options ?? new MatroskaReaderOptions();
    }

    /// <summary>The header of the Segment being read; null before its Tracks were seen.</summary>
    public MatroskaSegmentHeader? Header { get; private set; }

    /// <summary>Bytes consumed from the input so far.</summary>
    public long Position => _reader.Position;

    /// <summary>Called with a Cluster's Timecode as soon as it is read, before the rest of the Cluster arrives.</summary>
    public Func<long, CancellationToken, ValueTask>? ClusterStarted { get; set; }

    /// <summary>Reads up to the next Cluster and returns it; null at the end of the input.</summary>
    public async ValueTask<MatroskaCluster?> ReadClusterAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var header = await NextTopLevelHeaderAsync(cancellationToken).ConfigureAwait(false);
            if (header is not { } element)
            {
                return null;
            }

            switch (element.Id)
            {
                case MatroskaIds.EbmlHeader:
                    await ReadEbmlHeaderAsync(element, cancellationToken).ConfigureAwait(false);
                    break;
                case MatroskaIds.Segment:
                    _segmentEnd = element.IsUnknownSize ? -1 : _reader.Position + element.Size;
                    _timecodeScaleNs = DefaultTimecodeScaleNs;
                    _tracks = null;
                    Header = null;
                    break;
                case MatroskaIds.Info:
                    await ReadInfoAsync(element, cancellationToken).ConfigureAwait(false);
                    break;
                case MatroskaIds.Tracks:
                    await ReadTracksAsync(element, cancellationToken).ConfigureAwait(false);
                    break;
                case MatroskaIds.Cluster:
                    if (Header is null)
                    {
                        throw new MatroskaFormatException(MatroskaError.MissingTracks, "A Cluster came before the Segment's Tracks.");
                    }

                    return await ReadClusterBodyAsync(element, Header, cancellationToken).ConfigureAwait(false);
                default:
                    await SkipElementAsync(element, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    private async ValueTask<EbmlElementHeader?> NextTopLevelHeaderAsync(CancellationToken cancellationToken)
    {
        if (_pending is { } pending)
        {
            _pending = null;
            return pending;
        }

        if (_segmentEnd >= 0 && _reader.Position > _segmentEnd)
        {
            throw new MatroskaFormatException("An element ran past the end of its Segment.");
        }

        return await _reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask ReadEbmlHeaderAsync(EbmlElementHeader element, CancellationToken cancellationToken)
    {
        var payload = await ReadHeaderPayloadAsync(element, cancellationToken).ConfigureAwait(false);
        foreach (var child in EbmlChildren.Parse(payload))
        {
            if (child.Id == MatroskaIds.DocType)
            {
                var docType = Encoding.ASCII.GetString(child.Payload.Span).TrimEnd('\0');
                if (docType is not ("matroska" or "webm"))
                {
                    throw new MatroskaFormatException($"DocType '{docType}' is not Matroska.");
                }
            }
        }
    }

    private async ValueTask ReadInfoAsync(EbmlElementHeader element, CancellationToken cancellationToken)
    {
        var payload = await ReadHeaderPayloadAsync(element, cancellationToken).ConfigureAwait(false);
        foreach (var child in EbmlChildren.Parse(payload))
        {
            if (child.Id == MatroskaIds.TimecodeScale)
            {
                var scale = EbmlStreamReader.ReadUnsigned(child.Payload.Span);
                if (scale is 0 or > 1_000_000_000)
                {
                    throw new MatroskaFormatException($"TimecodeScale {scale} is out of range.");
                }

                _timecodeScaleNs = (long)scale;
            }
        }

        if (_tracks is not null)
        {
            Header = new MatroskaSegmentHeader(_timecodeScaleNs, _tracks);
        }
    }

    private async ValueTask ReadTracksAsync(EbmlElementHeader element, CancellationToken cancellationToken)
    {
        var payload = await ReadHeaderPayloadAsync(element, cancellationToken).ConfigureAwait(false);
        var tracks = new List<MatroskaTrack>();
        foreach (var entry in EbmlChildren.Parse(payload))
        {
            if (entry.Id == MatroskaIds.TrackEntry)
            {
                tracks.Add(ParseTrackEntry(entry.Payload));
            }
        }

        if (tracks.Count == 0)
        {
            throw new MatroskaFormatException(MatroskaError.MissingTracks, "The Tracks element holds no TrackEntry.");
        }

        _tracks = tracks;
        Header = new MatroskaSegmentHeader(_timecodeScaleNs, tracks);
    }

    private static MatroskaTrack ParseTrackEntry(ReadOnlyMemory<byte> payload)
    {
        ulong number = 0, uid = 0;
        int type = 0, width = 0, height = 0, channels = 0;
        double sampling = 0;
        string? codecId = null, name = null;
        byte[]? codecPrivate = null;
        ulong? defaultDuration = null;
        foreach (var child in EbmlChildren.Parse(payload))
        {
            var span = child.Payload.Span;
            switch (child.Id)
            {
                case MatroskaIds.TrackNumber: number = EbmlStreamReader.ReadUnsigned(span); break;
                case MatroskaIds.TrackUid: uid = EbmlStreamReader.ReadUnsigned(span); break;
                case MatroskaIds.TrackType: type = (int)EbmlStreamReader.ReadUnsigned(span); break;
                case MatroskaIds.CodecId: codecId = Encoding.ASCII.GetString(span).TrimEnd('\0'); break;
                case MatroskaIds.CodecPrivate: codecPrivate = span.ToArray(); break;
                case MatroskaIds.DefaultDuration: defaultDuration = EbmlStreamReader.ReadUnsigned(span); break;
                case MatroskaIds.Name: name = Encoding.UTF8.GetString(span).TrimEnd('\0'); break;
                case MatroskaIds.Video:
                    foreach (var v in EbmlChildren.Parse(child.Payload))
                    {
                        if (v.Id == MatroskaIds.PixelWidth)
                        {
                            width = (int)Math.Min(EbmlStreamReader.ReadUnsigned(v.Payload.Span), int.MaxValue);
                        }
                        else if (v.Id == MatroskaIds.PixelHeight)
                        {
                            height = (int)Math.Min(EbmlStreamReader.ReadUnsigned(v.Payload.Span), int.MaxValue);
                        }
                    }

                    break;
                case MatroskaIds.Audio:
                    foreach (var a in EbmlChildren.Parse(child.Payload))
                    {
                        if (a.Id == MatroskaIds.SamplingFrequency)
                        {
                            sampling = EbmlStreamReader.ReadFloat(a.Payload.Span);
                        }
                        else if (a.Id == MatroskaIds.Channels)
                        {
                            channels = (int)Math.Min(EbmlStreamReader.ReadUnsigned(a.Payload.Span), int.MaxValue);
                        }
                    }

                    break;
            }
        }

        if (number == 0)
        {
            throw new MatroskaFormatException("A TrackEntry has no TrackNumber.");
        }

        return new MatroskaTrack
        {
            TrackNumber = number,
            TrackUid = uid,
            TrackType = type,
            CodecId = codecId ?? throw new MatroskaFormatException($"Track {number} has no CodecID."),
            CodecPrivate = codecPrivate,
            DefaultDurationNs = defaultDuration,
            Name = name,
            PixelWidth = width,
            PixelHeight = height,
            SamplingFrequency = sampling,
            Channels = channels,
        };
    }

    private async ValueTask<MatroskaCluster> ReadClusterBodyAsync(EbmlElementHeader cluster, MatroskaSegmentHeader header, CancellationToken cancellationToken)
    {
        if (!cluster.IsUnknownSize && cluster.Size > _options.MaxClusterBytes)
        {
            throw new MatroskaFormatException(MatroskaError.FragmentTooLarge, $"Cluster of {cluster.Size} bytes exceeds the {_options.MaxClusterBytes}-byte fragment limit.");
        }

        var end = cluster.IsUnknownSize ? long.MaxValue : _reader.Position + cluster.Size;
        long? clusterTimecode = null;
        var frames = _frames;
        frames.Clear();
        var payload = new ClusterPayload();
        long payloadBytes = 0;
        while (_reader.Position < end)
        {
            var next = await _reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
            if (next is not { } child)
            {
                if (cluster.IsUnknownSize)
                {
                    break;
                }

                throw new MatroskaFormatException(MatroskaError.Truncated, "The input ended inside a Cluster.");
            }

            if (cluster.IsUnknownSize && MatroskaIds.IsTopLevel(child.Id))
            {
                _pending = child;
                break;
            }

            if (child.IsUnknownSize)
            {
                throw new MatroskaFormatException($"Element 0x{child.Id:X} inside a Cluster has an unknown size.");
            }

            payloadBytes += child.Size + child.HeaderLength;
            if (payloadBytes > _options.MaxClusterBytes)
            {
                throw new MatroskaFormatException(MatroskaError.FragmentTooLarge, $"Cluster exceeds the {_options.MaxClusterBytes}-byte fragment limit.");
            }

            switch (child.Id)
            {
                case MatroskaIds.Timecode:
                    clusterTimecode = (long)EbmlStreamReader.ReadUnsigned(await ReadSmallAsync(child, cancellationToken).ConfigureAwait(false));
                    if (ClusterStarted is { } started)
                    {
                        await started(clusterTimecode.Value, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case MatroskaIds.SimpleBlock:
                    {
                        var block = await ReadBlockAsync(payload, child.Size, cancellationToken).ConfigureAwait(false);
                        MatroskaBlockParser.Parse(block, isSimpleBlock: true, RequireTimecode(clusterTimecode), isKeyFrameOverride: null, blockDuration: null, frames, _options);
                        break;
                    }

                case MatroskaIds.BlockGroup:
                    {
                        var group = await ReadBlockAsync(payload, child.Size, cancellationToken).ConfigureAwait(false);
                        ParseBlockGroup(group, RequireTimecode(clusterTimecode), frames, _options);
                        break;
                    }

                default:
                    await _reader.SkipAsync(child.Size, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        if (_reader.Position > end)
        {
            throw new MatroskaFormatException("An element ran past the end of its Cluster.");
        }

        var timecode = RequireTimecode(clusterTimecode);
        if ((long)frames.Count * _options.MinBytesPerFrame > payloadBytes)
        {
            throw new MatroskaFormatException(MatroskaError.Malformed, $"A cluster of {payloadBytes} bytes describes {frames.Count} frames; at least {_options.MinBytesPerFrame} bytes a frame are expected.");
        }

        CheckDuration(frames, header);
        return new MatroskaCluster(timecode, frames.ToArray(), _reader.Position - cluster.Offset, header);
    }

    private void CheckDuration(List<MatroskaFrame> frames, MatroskaSegmentHeader header)
    {
        if (frames.Count < 2)
        {
            return;
        }

        long min = long.MaxValue, max = long.MinValue;
        foreach (var frame in frames)
        {
            min = Math.Min(min, frame.Timecode);
            max = Math.Max(max, frame.Timecode);
        }

        var spanNs = (double)(max - min) * header.TimecodeScaleNs;
        if (spanNs > _options.MaxClusterDuration.TotalNanoseconds)
        {
            throw new MatroskaFormatException(MatroskaError.FragmentTooLong, $"Cluster spans {spanNs / 1e9:0.###} s, over the {_options.MaxClusterDuration.TotalSeconds:0.###} s fragment limit.");
        }
    }

    /// <summary>
    /// A block's bytes: small ones share the cluster's arrays; a large one gets an array of its own
    /// that grows as its bytes arrive, so a size field that lies costs no more than what was sent.
    /// </summary>
    private async ValueTask<ReadOnlyMemory<byte>> ReadBlockAsync(ClusterPayload payload, long size, CancellationToken cancellationToken)
    {
        if (size > SharedBlockBytes)
        {
            return await _reader.ReadBytesAsync(size, cancellationToken).ConfigureAwait(false);
        }

        var block = payload.Reserve((int)size);
        await _reader.ReadIntoAsync(block, cancellationToken).ConfigureAwait(false);
        return block;
    }

    private static long RequireTimecode(long? timecode) =>
        timecode ?? throw new MatroskaFormatException("A Cluster has blocks before its Timecode.");

    private static void ParseBlockGroup(ReadOnlyMemory<byte> group, long clusterTimecode, List<MatroskaFrame> frames, MatroskaReaderOptions limits)
    {
        ReadOnlyMemory<byte>? block = null;
        long? duration = null;
        var hasReference = false;
        foreach (var child in EbmlChildren.Parse(group))
        {
            switch (child.Id)
            {
                case MatroskaIds.Block: block = child.Payload; break;
                case MatroskaIds.BlockDuration: duration = (long)EbmlStreamReader.ReadUnsigned(child.Payload.Span); break;
                case MatroskaIds.ReferenceBlock: hasReference = true; break;
            }
        }

        if (block is not { } blockBytes)
        {
            throw new MatroskaFormatException("A BlockGroup has no Block.");
        }

        MatroskaBlockParser.Parse(blockBytes, isSimpleBlock: false, clusterTimecode, isKeyFrameOverride: !hasReference, duration, frames, limits);
    }

    private async ValueTask<byte[]> ReadSmallAsync(EbmlElementHeader element, CancellationToken cancellationToken)
    {
        if (element.Size > 8)
        {
            throw new MatroskaFormatException($"Element 0x{element.Id:X} is {element.Size} bytes; at most 8 expected.");
        }

        return await _reader.ReadBytesAsync(element.Size, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<byte[]> ReadHeaderPayloadAsync(EbmlElementHeader element, CancellationToken cancellationToken)
    {
        if (element.IsUnknownSize)
        {
            throw new MatroskaFormatException($"Element 0x{element.Id:X} must declare its size.");
        }

        if (element.Size > _options.MaxHeaderElementBytes)
        {
            throw new MatroskaFormatException($"Element 0x{element.Id:X} of {element.Size} bytes exceeds the {_options.MaxHeaderElementBytes}-byte limit.");
        }

        return await _reader.ReadBytesAsync(element.Size, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask SkipElementAsync(EbmlElementHeader element, CancellationToken cancellationToken)
    {
        if (element.IsUnknownSize)
        {
            throw new MatroskaFormatException($"Element 0x{element.Id:X} has an unknown size and cannot be skipped.");
        }

        await _reader.SkipAsync(element.Size, cancellationToken).ConfigureAwait(false);
    }
}
