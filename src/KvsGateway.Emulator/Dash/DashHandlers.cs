using System.Globalization;
using KvsGateway.Emulator.Sessions;
using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Manifests;
using KvsGateway.Media.Mp4;
using Microsoft.AspNetCore.Http;

namespace KvsGateway.Emulator.Dash;

/// <summary>GetDASHManifest, GetMP4InitFragment and GetMP4MediaFragment of the emulator.</summary>
public sealed class DashHandlers
{
    private readonly SessionRegistry _registry;
    private readonly SessionFactory _sessions;
    private readonly StreamStore _store;
    private readonly PlaybackQuotas _quotas;
    private readonly SessionFragments _fragments;
    private readonly TimeProvider _time;

    public DashHandlers(SessionRegistry registry, SessionFactory sessions, StreamStore store, SessionFragments fragments, PlaybackQuotas quotas, TimeProvider time)
    {
        _fragments = fragments;
        _store = store;
        _registry = registry;
        _sessions = sessions;
        _quotas = quotas;
        _time = time;
    }

    public async Task GetManifestAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var session = _registry.Get(context.Request.Query["SessionToken"], hls: false);
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
        var session = _registry.Get(context.Request.Query["SessionToken"], hls: false);
        _quotas.InitFragment(session);
        var format = session.Formats[SessionFragments.RequireTrackIndex(session, context.Request.Query["TrackNumber"])];
        await FragmentResponse.WriteAsync(context, format.MimeType, FragmentedMp4Writer.CreateInitSegment(format), null, 0, 0).ConfigureAwait(false);
    }

    public async Task GetMediaFragmentAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        var session = _registry.Get(query["SessionToken"], hls: false);
        _quotas.MediaFragment(session);
        var trackIndex = SessionFragments.RequireTrackIndex(session, query["TrackNumber"]);
        var format = session.Formats[trackIndex];
        if (!ulong.TryParse(query["SequenceNumber"], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            throw KvsException.InvalidArgument("SequenceNumber must be a positive integer.");
        }

        var listed = session.Find(sequence)
            ?? throw KvsException.ResourceNotFound($"SequenceNumber {sequence} is not in this session's manifest.");
        await _fragments.WriteMediaFragmentAsync(context, session, listed, trackIndex, format).ConfigureAwait(false);
    }
}
