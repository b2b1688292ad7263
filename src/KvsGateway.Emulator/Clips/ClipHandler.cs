using KvsGateway.Emulator.Sessions;
using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Http;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.Media.Codecs;
using KvsGateway.Media.Mp4;
using KvsGateway.Media.Packaging;
using Microsoft.AspNetCore.Http;

namespace KvsGateway.Emulator.Clips;

/// <summary>
/// GetClip of the emulator: the fragments of a range (the session selector rules) as one classic MP4,
/// at most <see cref="MaxFragments"/> fragments or <see cref="MaxBytes"/> bytes from the start, with
/// one track set and codec private data throughout. The MP4's head is built from the stored frame
/// tables; the sample bytes are copied from the fragment files as they are sent.
/// </summary>
public sealed class ClipHandler
{
    public const int MaxFragments = 200;
    public const long MaxBytes = 100L * 1024 * 1024;
    public const string ContentType = "video/mp4";

    private readonly StreamStore _store;
    private readonly PlaybackQuotas _quotas;
    private readonly TimeProvider _time;

    public ClipHandler(StreamStore store, PlaybackQuotas quotas, TimeProvider time)
    {
        _store = store;
        _quotas = quotas;
        _time = time;
    }

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var input = await KvsRequestReader.ReadAsync(context.Request, KvsJsonContext.Default.GetClipInput, context.RequestAborted).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var parameters = SessionRequestValidator.ValidateClip(input, now);
        var stream = _store.Get(parameters.Stream);
        if (stream.DataRetentionInHours == 0)
        {
            throw new KvsException(KvsErrorTypes.NoDataRetention, 400, $"The stream {stream.StreamName} has no data retention, so no clip can be made of it.");
        }

        if (parameters.SelectorKind == FragmentSelectorKind.ServerTimestamp && parameters.StartTimestamp < now.AddHours(-stream.DataRetentionInHours))
        {
            throw KvsException.InvalidArgument($"TimestampRange.StartTimestamp must be later than the stream head ({stream.DataRetentionInHours} h of retention) when FragmentSelectorType is SERVER_TIMESTAMP.");
        }

        var retainedSince = _store.RetainedSince(parameters.Stream);
        var selected = FragmentSelection.InRange(_store.GetFragments(parameters.Stream), parameters.SelectorKind, parameters.StartTimestamp, parameters.EndTimestamp)
            .Where(f => f.ServerTimestamp >= retainedSince)
            .ToList();
        if (selected.Count == 0)
        {
            throw KvsException.ResourceNotFound("No fragments found in the stream for the clip's timestamp range.");
        }

        var clip = Limit(selected, MaxFragments, MaxBytes);

        _quotas.StreamPoints(stream.StreamName, clip.Count, clip.Count);
        var headers = new List<FragmentHeader>(clip.Count);
        foreach (var fragment in clip)
        {
            try
            {
                headers.Add(await StreamStore.ReadHeaderAsync(fragment, context.RequestAborted).ConfigureAwait(false));
            }
            catch (FileNotFoundException)
            {
                throw KvsException.ResourceNotFound($"Fragment {fragment.FragmentNumber} is no longer retained.");
            }
        }

        IReadOnlyList<TrackFormat> formats;
        try
        {
            formats = TrackFormatFactory.CreateForClip(headers[0].Tracks.Select(t => t.Track).ToList(), headers[0].TimecodeScaleNs);
        }
        catch (MediaFormatException ex)
        {
            throw MediaFormatErrors.ToKvs(ex);
        }

        var tracks = new List<ClipTrack>(formats.Count);
        var ranges = new List<(string Path, long Offset, long Length)>(clip.Count * formats.Count);
        var chunks = formats.Select(_ => new List<ClipChunk>(clip.Count)).ToArray();
        for (var f = 0; f < clip.Count; f++)
        {
            var header = headers[f];
            if (header.Tracks.Count != formats.Count)
            {
                throw new KvsException(KvsErrorTypes.UnsupportedStreamMediaType, 400, $"The track set changes within the clip, at fragment {header.FragmentNumber}.");
            }

            for (var t = 0; t < formats.Count; t++)
            {
                var stored = SessionFragments.RequireTrack(stream, header, formats[t]);
                chunks[t].Add(new ClipChunk(ClusterPackager.BuildSamples(stored.Frames, stored.Track, formats[t], header.TimecodeScaleNs, out _)));
                ranges.Add((clip[f].Path, header.PayloadOffset + stored.DataOffset, stored.DataLength));
            }
        }

        for (var t = 0; t < formats.Count; t++)
        {
            tracks.Add(new ClipTrack(formats[t], chunks[t]));
        }

        var head = ClipMp4Writer.CreateHead(tracks, out var payload);
        var response = context.Response;
        response.ContentType = ContentType;
        response.ContentLength = head.Length + payload;
        await response.Body.WriteAsync(head, context.RequestAborted).ConfigureAwait(false);
        var buffer = new byte[64 * 1024];
        foreach (var (path, offset, length) in ranges)
        {
            await CopyRangeAsync(path, offset, length, response.Body, buffer, context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The first fragments of a selection (in selector-time order) within the limits: at most
    /// <paramref name="maxFragments"/>, and no more bytes than <paramref name="maxBytes"/> unless
    /// the first fragment alone is larger (a clip is never empty when the range is not).
    /// </summary>
    public static List<FragmentIndexEntry> Limit(IEnumerable<FragmentIndexEntry> selected, int maxFragments, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(selected);
        var clip = new List<FragmentIndexEntry>();
        long bytes = 0;
        foreach (var fragment in selected)
        {
            if (clip.Count == maxFragments || (clip.Count > 0 && bytes + fragment.SizeInBytes > maxBytes))
            {
                break;
            }

            clip.Add(fragment);
            bytes += fragment.SizeInBytes;
        }

        return clip;
    }

    private static async Task CopyRangeAsync(string path, long offset, long length, Stream output, byte[] buffer, CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            // The head is out: a cut connection is the only honest signal left.
            throw new IOException($"Fragment file {path} was deleted while its clip was being sent.");
        }

        await using (file.ConfigureAwait(false))
        {
            file.Position = offset;
            while (length > 0)
            {
                var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"Fragment file {path} ended early.");
                }

                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                length -= read;
            }
        }
    }
}
