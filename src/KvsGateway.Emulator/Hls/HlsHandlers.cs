using System.Globalization;
using System.Text;
using KvsGateway.Emulator.Sessions;
using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Media.Codecs;
using KvsGateway.Media.Mp4;
using KvsGateway.Media.MpegTs;
using KvsGateway.Media.Packaging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace KvsGateway.Emulator.Hls;

/// <summary>
/// The five HLS session resources of the emulator: GetHLSMasterPlaylist, GetHLSMediaPlaylist,
/// GetMP4InitFragment, GetMP4MediaFragment (named by KVS fragment number) and GetTSFragment.
/// </summary>
public sealed class HlsHandlers
{
    public const string TsContentType = "video/mp2t";

    private readonly SessionRegistry _registry;
    private readonly SessionFactory _sessions;
    private readonly StreamStore _store;
    private readonly SessionFragments _fragments;
    private readonly PlaybackQuotas _quotas;

    public HlsHandlers(SessionRegistry registry, SessionFactory sessions, StreamStore store, SessionFragments fragments, PlaybackQuotas quotas)
    {
        _registry = registry;
        _sessions = sessions;
        _store = store;
        _fragments = fragments;
        _quotas = quotas;
    }

    public async Task GetMasterPlaylistAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var session = _registry.Get(context.Request.Query["SessionToken"], hls: true);
        _quotas.MasterPlaylist(session);
        await _sessions.RefreshAsync(session, context.RequestAborted).ConfigureAwait(false);
        await WritePlaylistAsync(context, session, HlsPlaylistBuilder.Master(session, _store.RetainedSince(session.Parameters.Stream))).ConfigureAwait(false);
    }

    public async Task GetMediaPlaylistAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var session = _registry.Get(context.Request.Query["SessionToken"], hls: true);
        var track = SessionFragments.RequireTrackIndex(session, context.Request.Query["TrackNumber"]);
        _quotas.MediaPlaylist(session);
        await _sessions.RefreshAsync(session, context.RequestAborted).ConfigureAwait(false);
        await WritePlaylistAsync(context, session, HlsPlaylistBuilder.Media(session, track, _store.RetainedSince(session.Parameters.Stream))).ConfigureAwait(false);
    }

    public async Task GetInitFragmentAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        var session = _registry.Get(query["SessionToken"], hls: true);
        RequireFragmentedMp4(session);
        _quotas.InitFragment(session);
        var track = SessionFragments.RequireTrackIndex(session, query["TrackNumber"]);

        // The init's SequenceNumber is the session's format version (a codec-private-data change makes the next).
        ulong version = 0;
        if (query.ContainsKey("SequenceNumber") && !ulong.TryParse(query["SequenceNumber"], NumberStyles.None, CultureInfo.InvariantCulture, out version))
        {
            throw KvsException.InvalidArgument("SequenceNumber must be a non-negative integer.");
        }

        if (version >= (ulong)session.FormatVersionCount)
        {
            throw KvsException.ResourceNotFound($"SequenceNumber {version} is not an init fragment of this session.");
        }

        var format = session.FormatVersion((int)version)[track];

        await FragmentResponse.WriteAsync(context, format.MimeType, FragmentedMp4Writer.CreateInitSegment(format), null, 0, 0).ConfigureAwait(false);
    }

    public async Task GetMediaFragmentAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        var session = _registry.Get(query["SessionToken"], hls: true);
        RequireFragmentedMp4(session);
        _quotas.MediaFragment(session);
        var trackIndex = SessionFragments.RequireTrackIndex(session, query["TrackNumber"]);
        var listed = RequireListed(session, query["FragmentNumber"]);
        var format = session.FormatVersion(listed.Version)[trackIndex];
        await _fragments.WriteMediaFragmentAsync(context, session, listed, trackIndex, format).ConfigureAwait(false);
    }

    public async Task GetTsFragmentAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        var session = _registry.Get(query["SessionToken"], hls: true);
        if (((HlsSessionParameters)session.Parameters).ContainerFormat != HlsContainerFormat.MpegTs)
        {
            throw KvsException.InvalidArgument("This session's ContainerFormat is FRAGMENTED_MP4; it has no TS fragments.");
        }

        _quotas.MediaFragment(session);
        var listed = RequireListed(session, query["FragmentNumber"]);
        var header = await _fragments.ReadHeaderAsync(session, listed, context.RequestAborted).ConfigureAwait(false);
        var formats = session.FormatVersion(listed.Version);
        var tracks = new List<TsTrack>(formats.Count);
        var samples = new List<IReadOnlyList<TsSample>>(formats.Count);
        var trackBytes = new List<byte[]>(formats.Count);
        for (var t = 0; t < formats.Count; t++)
        {
            var format = formats[t];
            var stored = SessionFragments.RequireTrack(session, header, format);
            trackBytes.Add(await SessionFragments.ReadTrackBytesAsync(listed.Entry, header, stored, context.RequestAborted).ConfigureAwait(false));
            try
            {
                tracks.Add(format.Kind == TrackKind.Video
                    ? TsTrack.H264(AvcDecoderConfiguration.Parse(stored.Track.CodecPrivate))
                    : TsTrack.AacAudio(AudioSpecificConfig.Parse(stored.Track.CodecPrivate)));
            }
            catch (MediaFormatException ex)
            {
                throw MediaFormatErrors.ToKvs(ex);
            }

        }

        byte[] chunk;
        try
        {
            for (var t = 0; t < formats.Count; t++)
            {
                var format = formats[t];
                var stored = header.FindTrack(format.TrackId)!;
                samples.Add(TsTimeline.FromTrack(ClusterPackager.BuildSamples(stored.Frames, stored.Track, format, header.TimecodeScaleNs, out _), trackBytes[t], listed.Starts[t], format.Timescale));
            }

            chunk = TsMuxer.Mux(tracks, samples);
        }
        catch (MediaFormatException ex)
        {
            throw MediaFormatErrors.ToKvs(ex);
        }

        await FragmentResponse.WriteAsync(context, TsContentType, chunk, null, 0, 0).ConfigureAwait(false);
    }

    private static void RequireFragmentedMp4(EmulatorSession session)
    {
        if (((HlsSessionParameters)session.Parameters).ContainerFormat != HlsContainerFormat.FragmentedMp4)
        {
            throw KvsException.InvalidArgument("This session's ContainerFormat is MPEG_TS; it has no MP4 fragments.");
        }
    }

    private static ListedFragment RequireListed(EmulatorSession session, StringValues value)
    {
        var number = value.Count == 1 ? value[0] : null;
        if (number is not { Length: > 0 and <= 128 } || number.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            throw KvsException.InvalidArgument("FragmentNumber must be a decimal number of 1 to 128 digits.");
        }

        return session.Find(number) ?? throw KvsException.ResourceNotFound($"Fragment {number} is not in this session's playlist.");
    }

    private static async Task WritePlaylistAsync(HttpContext context, EmulatorSession session, string playlist)
    {
        context.Response.ContentType = HlsPlaylistBuilder.ContentType;
        context.Response.Headers.CacheControl = session.Parameters.PlaybackMode == PlaybackMode.OnDemand ? "private, max-age=60" : "no-cache";
        var bytes = Encoding.UTF8.GetBytes(playlist);
        context.Response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
