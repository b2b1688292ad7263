using System.Globalization;
using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Manifests;
using KvsGateway.Media.Codecs;
using KvsGateway.Media.Mp4;
using KvsGateway.Media.Packaging;
using Microsoft.AspNetCore.Http;

namespace KvsGateway.Emulator.Dash;

/// <summary>GetDASHManifest, GetMP4InitFragment and GetMP4MediaFragment of the emulator.</summary>
public sealed class PlaybackHandlers
{
    private readonly SessionRegistry _registry;
    private readonly DashSessionFactory _sessions;
    private readonly StreamStore _store;
    private readonly PlaybackQuotas _quotas;
    private readonly TimeProvider _time;

    public PlaybackHandlers(SessionRegistry registry, DashSessionFactory sessions, StreamStore store, PlaybackQuotas quotas, TimeProvider time)
    {
        _store = store;
        _registry = registry;
        _sessions = sessions;
        _quotas = quotas;
        _time = time;
    }

    public async Task GetManifestAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var session = _registry.Get(context.Request.Query["SessionToken"]);
        _quotas.Manifest(session);
        await _sessions.RefreshAsync(session, context.RequestAborted).ConfigureAwait(false);
        var document = ManifestBuilder.Build(session, _time.GetUtcNow(), _store.RetainedSince(session.Parameters.Stream));
        context.Response.ContentType = MpdNames.ContentType;
        context.Response.Headers.CacheControl = document.IsDynamic ? "no-cache" : "private, max-age=60";
        await MpdWriter.WriteAsync(document, context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    public async Task GetInitFragmentAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var session = _registry.Get(context.Request.Query["SessionToken"]);
        _quotas.InitFragment(session);
        var format = session.Formats[RequireTrack(session, context.Request.Query["TrackNumber"])];
        await FragmentResponse.WriteAsync(context, format.MimeType, FragmentedMp4Writer.CreateInitSegment(format), null, 0, 0).ConfigureAwait(false);
    }

    public async Task GetMediaFragmentAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        var session = _registry.Get(query["SessionToken"]);
        _quotas.MediaFragment(session);
        var trackIndex = RequireTrack(session, query["TrackNumber"]);
        var format = session.Formats[trackIndex];
        if (!ulong.TryParse(query["SequenceNumber"], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            throw KvsException.InvalidArgument("SequenceNumber must be a positive integer.");
        }

        var listed = session.Find(sequence)
            ?? throw KvsException.ResourceNotFound($"SequenceNumber {sequence} is not in this session's manifest.");
        var entry = listed.Entry;
        if (entry.ServerTimestamp < _store.RetainedSince(session.Parameters.Stream))
        {
            throw KvsException.ResourceNotFound($"Fragment {entry.FragmentNumber} is no longer retained.");
        }

        FragmentHeader header;
        try
        {
            header = await StreamStore.ReadHeaderAsync(entry, context.RequestAborted).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            throw KvsException.ResourceNotFound($"Fragment {entry.FragmentNumber} is no longer retained.");
        }

        var stored = header.FindTrack(format.TrackId)
            ?? throw new KvsException(KvsErrorTypes.UnsupportedStreamMediaType, 400, $"The track set changed within the session: fragment {entry.FragmentNumber} has no track {format.TrackId}.");
        CheckSameFormat(session, format, stored, header);

        var samples = ClusterPackager.BuildSamples(stored.Frames, stored.Track, format, header.TimecodeScaleNs, out _);
        var moof = FragmentedMp4Writer.CreateMediaSegmentHeader((uint)sequence, format.TrackId, listed.Starts[trackIndex], samples);
        await FragmentResponse.WriteAsync(context, format.MimeType, moof, entry.Path, header.PayloadOffset + stored.DataOffset, stored.DataLength).ConfigureAwait(false);
    }

    private static void CheckSameFormat(EmulatorSession session, TrackFormat format, StoredTrack stored, FragmentHeader header)
    {
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
            throw new KvsException(KvsErrorTypes.InvalidCodecPrivateData, 400, $"The codec private data of track {format.TrackId} changed within the session of stream {session.Stream.StreamName}.");
        }
    }

    private static int RequireTrack(EmulatorSession session, Microsoft.Extensions.Primitives.StringValues value)
    {
        if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var trackNumber))
        {
            throw KvsException.InvalidArgument("TrackNumber must be a positive integer.");
        }

        var index = session.TrackIndex(trackNumber);
        return index >= 0 ? index : throw KvsException.ResourceNotFound($"Track {trackNumber} is not part of this session.");
    }
}
