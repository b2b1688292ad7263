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

    public PlaybackHandlers(SessionRegistry registry)
    {
        _registry = registry;
    }

    public async Task GetManifestAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var session = _registry.Get(context.Request.Query["SessionToken"]);
        var document = ManifestBuilder.Build(session);
        context.Response.ContentType = MpdNames.ContentType;
        await MpdWriter.WriteAsync(document, context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    public async Task GetInitFragmentAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var session = _registry.Get(context.Request.Query["SessionToken"]);
        var track = RequireTrack(session, context.Request.Query["TrackNumber"]);
        var init = FragmentedMp4Writer.CreateInitSegment(track.Format);
        context.Response.ContentType = track.Format.MimeType;
        context.Response.ContentLength = init.Length;
        await context.Response.Body.WriteAsync(init, context.RequestAborted).ConfigureAwait(false);
    }

    public async Task GetMediaFragmentAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var query = context.Request.Query;
        var session = _registry.Get(query["SessionToken"]);
        var track = RequireTrack(session, query["TrackNumber"]);
        if (!ulong.TryParse(query["SequenceNumber"], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            throw KvsException.InvalidArgument("SequenceNumber must be a positive integer.");
        }

        if (sequence < 1 || sequence > (ulong)session.Fragments.Count)
        {
            throw KvsException.ResourceNotFound($"SequenceNumber {sequence} is not in this session's manifest.");
        }

        var index = (int)(sequence - 1);
        var entry = session.Fragments[index];
        var header = await StreamStore.ReadHeaderAsync(entry, context.RequestAborted).ConfigureAwait(false);
        var stored = header.FindTrack(track.Format.TrackId)
            ?? throw KvsException.ResourceNotFound($"Fragment {entry.FragmentNumber} has no track {track.Format.TrackId}.");
        CheckSameFormat(session, track, stored, header);

        var samples = ClusterPackager.BuildSamples(stored.Frames, stored.Track, track.Format, header.TimecodeScaleNs, out _);
        var moof = FragmentedMp4Writer.CreateMediaSegmentHeader((uint)sequence, track.Format.TrackId, track.Starts[index], samples);
        context.Response.ContentType = track.Format.MimeType;
        context.Response.ContentLength = moof.Length + stored.DataLength;
        await context.Response.Body.WriteAsync(moof, context.RequestAborted).ConfigureAwait(false);

        var file = new FileStream(entry.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            file.Position = header.PayloadOffset + stored.DataOffset;
            var buffer = new byte[64 * 1024];
            var remaining = stored.DataLength;
            while (remaining > 0)
            {
                var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"Fragment file {entry.Path} ended early.");
                }

                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted).ConfigureAwait(false);
                remaining -= read;
            }
        }
    }

    private static void CheckSameFormat(EmulatorSession session, SessionTrack track, StoredTrack stored, FragmentHeader header)
    {
        TrackFormat format;
        try
        {
            format = TrackFormatFactory.Create(stored.Track, header.TimecodeScaleNs);
        }
        catch (MediaFormatException ex)
        {
            throw MediaFormatErrors.ToKvs(ex);
        }

        if (format.Codecs != track.Format.Codecs || !format.SampleEntryConfig.AsSpan().SequenceEqual(track.Format.SampleEntryConfig))
        {
            throw new KvsException(KvsErrorTypes.InvalidCodecPrivateData, 400, $"The codec private data of track {track.Format.TrackId} changed within the session of stream {session.Stream.StreamName}.");
        }
    }

    private static SessionTrack RequireTrack(EmulatorSession session, Microsoft.Extensions.Primitives.StringValues value)
    {
        if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var trackNumber))
        {
            throw KvsException.InvalidArgument("TrackNumber must be a positive integer.");
        }

        return session.FindTrack(trackNumber)
            ?? throw KvsException.ResourceNotFound($"Track {trackNumber} is not part of this session.");
    }
}
