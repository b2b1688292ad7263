using System.Globalization;
using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Errors;
using KvsGateway.Media.Codecs;
using KvsGateway.Media.Mp4;
using KvsGateway.Media.Packaging;
using Microsoft.AspNetCore.Http;

namespace KvsGateway.Emulator.Sessions;

/// <summary>
/// A listed fragment's stored data for a session's track, after the checks every playback resource
/// makes: still retained, the session's track set, the session's codec private data.
/// </summary>
public sealed class SessionFragments
{
    private readonly StreamStore _store;

    public SessionFragments(StreamStore store)
    {
        _store = store;
    }

    /// <summary>The fragment's header, with its retention checked.</summary>
    public async Task<FragmentHeader> ReadHeaderAsync(EmulatorSession session, ListedFragment listed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(listed);
        var entry = listed.Entry;
        if (entry.ServerTimestamp < _store.RetainedSince(session.Parameters.Stream))
        {
            throw KvsException.ResourceNotFound($"Fragment {entry.FragmentNumber} is no longer retained.");
        }

        try
        {
            return await StreamStore.ReadHeaderAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            throw KvsException.ResourceNotFound($"Fragment {entry.FragmentNumber} is no longer retained.");
        }
    }

    /// <summary>
    /// A fragmented-MP4 media segment of one track (DASH and HLS fMP4 alike): <c>moof</c> and the
    /// <c>mdat</c> header from memory, the sample bytes straight from the fragment file.
    /// </summary>
    public async Task WriteMediaFragmentAsync(HttpContext context, EmulatorSession session, ListedFragment listed, int trackIndex, TrackFormat format)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(listed);
        ArgumentNullException.ThrowIfNull(format);
        var header = await ReadHeaderAsync(session, listed, context.RequestAborted).ConfigureAwait(false);
        var stored = RequireTrack(session, header, format);
        var samples = ClusterPackager.BuildSamples(stored.Frames, stored.Track, format, header.TimecodeScaleNs, out _);
        var moof = FragmentedMp4Writer.CreateMediaSegmentHeader((uint)listed.SequenceNumber, format.TrackId, listed.Starts[trackIndex], samples);
        await FragmentResponse.WriteAsync(context, format.MimeType, moof, listed.Entry.Path, header.PayloadOffset + stored.DataOffset, stored.DataLength).ConfigureAwait(false);
    }

    /// <summary>The stored track for the session's <paramref name="format"/>, which must still match it.</summary>
    public static StoredTrack RequireTrack(EmulatorSession session, FragmentHeader header, TrackFormat format)
    {
        ArgumentNullException.ThrowIfNull(session);
        return RequireTrack(session.Stream, header, format);
    }

    /// <summary>The stored track for <paramref name="format"/>, which must still match it (clips use this).</summary>
    public static StoredTrack RequireTrack(StreamRecord stream, FragmentHeader header, TrackFormat format)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(format);
        var stored = header.FindTrack(format.TrackId)
            ?? throw new KvsException(KvsErrorTypes.UnsupportedStreamMediaType, 400, $"The track set changed within the session: fragment {header.FragmentNumber} has no track {format.TrackId}.");
        TrackFormat actual;
        try
        {
            actual = TrackFormatFactory.Create(stored.Track, header.TimecodeScaleNs);
        }
        catch (MediaFormatException ex)
        {
            throw MediaFormatErrors.ToKvs(ex);
        }

        if (actual.Codecs != format.Codecs || !actual.SampleEntryConfig.AsSpan().SequenceEqual(format.SampleEntryConfig))
        {
            throw new KvsException(KvsErrorTypes.InvalidCodecPrivateData, 400, $"The codec private data of track {format.TrackId} changed within the session or clip of stream {stream.StreamName}.");
        }

        return stored;
    }

    /// <summary>Every sample byte of a stored track, read from its fragment file.</summary>
    public static async Task<byte[]> ReadTrackBytesAsync(FragmentIndexEntry entry, FragmentHeader header, StoredTrack track, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(track);
        var bytes = new byte[track.DataLength];
        try
        {
            var file = new FileStream(entry.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                file.Position = header.PayloadOffset + track.DataOffset;
                await file.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (FileNotFoundException)
        {
            throw KvsException.ResourceNotFound($"Fragment {entry.FragmentNumber} is no longer retained.");
        }

        return bytes;
    }

    /// <summary>The index of the session track a <c>TrackNumber</c> parameter names.</summary>
    public static int RequireTrackIndex(EmulatorSession session, Microsoft.Extensions.Primitives.StringValues value)
    {
        if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var trackNumber))
        {
            throw KvsException.InvalidArgument("TrackNumber must be a positive integer.");
        }

        var index = session.TrackIndex(trackNumber);
        return index >= 0 ? index : throw KvsException.ResourceNotFound($"Track {trackNumber} is not part of this session.");
    }
}
