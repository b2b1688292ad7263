using System.Globalization;
using System.Text;
using KvsGateway.Emulator.Sessions;
using KvsGateway.Kvs.Validation;
using KvsGateway.Media.Mp4;

namespace KvsGateway.Emulator.Hls;

/// <summary>
/// An HLS session's playlists, in the form KVS writes them (kvs-hls-clip-api.md §6). fMP4: a master
/// playlist naming one media playlist per track (audio as an <c>EXT-X-MEDIA</c> rendition), each
/// with its init segment as <c>EXT-X-MAP</c>. MPEG-TS: one media playlist for all tracks. URIs are
/// relative, media URIs name the KVS fragment number. ON_DEMAND lists everything and ends; LIVE and
/// LIVE_REPLAY list the newest MaxMediaPlaylistFragmentResults, <c>EXT-X-MEDIA-SEQUENCE</c> counting
/// the fragments that left the window; LIVE_REPLAY ends once its range is listed.
/// </summary>
public static class HlsPlaylistBuilder
{
    public const string ContentType = "application/vnd.apple.mpegurl";

    /// <summary>Neighbours further apart (or overlapping by more) than this are a discontinuity in ON_DISCONTINUITY mode.</summary>
    public static readonly TimeSpan DiscontinuityThreshold = TimeSpan.FromMilliseconds(50);

    public static string Master(EmulatorSession session, DateTimeOffset retainedSince)
    {
        ArgumentNullException.ThrowIfNull(session);
        var parameters = (HlsSessionParameters)session.Parameters;
        var token = Uri.EscapeDataString(session.Token);
        var window = Window(session, retainedSince);
        var formats = session.Formats;
        var main = formats[0];
        var audio = formats.Count > 1 ? formats[1] : null;
        var seconds = window.Sum(f => (double)f.Durations[0] / main.Timescale);
        var bytes = window.Sum(f => f.Entry.SizeInBytes);
        var bandwidth = seconds > 0 ? Math.Max(1, (long)(bytes * 8 / seconds)) : 1;
        var codecs = string.Join(',', formats.Select(f => f.Codecs));
        var text = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:1\n");
        var ts = parameters.ContainerFormat == HlsContainerFormat.MpegTs;
        if (audio is not null && !ts)
        {
            text.Append(CultureInfo.InvariantCulture, $"#EXT-X-MEDIA:AUTOSELECT=YES,FORCED=NO,TYPE=AUDIO,URI=\"getHLSMediaPlaylist.m3u8?SessionToken={token}&TrackNumber={audio.TrackId}\",GROUP-ID=\"audio\",DEFAULT=NO,NAME=\"audio\"\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"#EXT-X-STREAM-INF:CODECS=\"{codecs}\"");
        if (main.Kind == TrackKind.Video)
        {
            text.Append(CultureInfo.InvariantCulture, $",RESOLUTION={main.Width}x{main.Height}");
        }

        text.Append(CultureInfo.InvariantCulture, $",BANDWIDTH={bandwidth}");
        if (audio is not null && !ts)
        {
            text.Append(",AUDIO=\"audio\"");
        }

        text.Append(CultureInfo.InvariantCulture, $"\ngetHLSMediaPlaylist.m3u8?SessionToken={token}&TrackNumber={main.TrackId}\n");
        return text.ToString();
    }

    /// <summary>The media playlist of track <paramref name="trackIndex"/> (for MPEG-TS, of all tracks, timed by the first).</summary>
    public static string Media(EmulatorSession session, int trackIndex, DateTimeOffset retainedSince)
    {
        ArgumentNullException.ThrowIfNull(session);
        var parameters = (HlsSessionParameters)session.Parameters;
        var ts = parameters.ContainerFormat == HlsContainerFormat.MpegTs;
        var format = session.Formats[trackIndex];
        var token = Uri.EscapeDataString(session.Token);
        var window = Window(session, retainedSince);
        var durations = window.Select(f => ts ? Longest(session, f) : (double)f.Durations[trackIndex] / format.Timescale).ToList();
        var target = durations.Count == 0 ? 1 : (long)Math.Ceiling(Math.Round(durations.Max(), 3));
        var onDemand = parameters.PlaybackMode == PlaybackMode.OnDemand;
        var text = new StringBuilder("#EXTM3U\n");
        text.Append(CultureInfo.InvariantCulture, $"#EXT-X-VERSION:{(ts ? 3 : 7)}\n");
        if (onDemand)
        {
            text.Append("#EXT-X-PLAYLIST-TYPE:VOD\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"#EXT-X-TARGETDURATION:{Math.Max(1, target)}\n");
        text.Append(CultureInfo.InvariantCulture, $"#EXT-X-MEDIA-SEQUENCE:{(window.Count == 0 ? 0 : window[0].SequenceNumber - 1)}\n");
        text.Append("#EXT-X-INDEPENDENT-SEGMENTS\n");
        for (var i = 0; i < window.Count; i++)
        {
            var fragment = window[i];

            // A new format version (codec private data changed) is a discontinuity with an init of its own.
            var newVersion = i > 0 && fragment.Version != window[i - 1].Version;
            if (newVersion || Discontinuous(parameters, i == 0 ? null : window[i - 1], fragment))
            {
                text.Append("#EXT-X-DISCONTINUITY\n");
            }

            if ((i == 0 || newVersion) && !ts)
            {
                text.Append(CultureInfo.InvariantCulture, $"#EXT-X-MAP:URI=\"getMP4InitFragment.mp4?SessionToken={token}&TrackNumber={format.TrackId}&SequenceNumber={fragment.Version}\"\n");
            }

            if (parameters.DisplayFragmentTimestamp)
            {
                var time = FragmentSelection.TimestampOf(fragment.Entry, parameters.SelectorKind).UtcDateTime;
                text.Append(CultureInfo.InvariantCulture, $"#EXT-X-PROGRAM-DATE-TIME:{time:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"#EXTINF:{Math.Round(durations[i], 3).ToString("0.###", CultureInfo.InvariantCulture)},\n");
            text.Append(ts
                ? $"getTSFragment.ts?FragmentNumber={fragment.Entry.FragmentNumber}&SessionToken={token}\n"
                : $"getMP4MediaFragment.mp4?FragmentNumber={fragment.Entry.FragmentNumber}&SessionToken={token}&TrackNumber={format.TrackId}\n");
        }

        if (onDemand || (parameters.PlaybackMode == PlaybackMode.LiveReplay && session.IsComplete))
        {
            text.Append("#EXT-X-ENDLIST\n");
        }

        return text.ToString();
    }

    /// <summary>Whether a discontinuity tag goes before <paramref name="fragment"/>.</summary>
    public static bool Discontinuous(HlsSessionParameters parameters, ListedFragment? previous, ListedFragment fragment)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(fragment);
        switch (parameters.DiscontinuityMode)
        {
            case HlsDiscontinuityMode.Always:
                return true;
            case HlsDiscontinuityMode.Never:
                return false;
            default:
                if (previous is null)
                {
                    return false;
                }

                var end = FragmentSelection.TimestampOf(previous.Entry, parameters.SelectorKind).AddMilliseconds(previous.Entry.DurationMs);
                return (FragmentSelection.TimestampOf(fragment.Entry, parameters.SelectorKind) - end).Duration() > DiscontinuityThreshold;
        }
    }

    private static List<ListedFragment> Window(EmulatorSession session, DateTimeOffset retainedSince)
    {
        var listed = session.Listed.Where(f => f.Entry.ServerTimestamp >= retainedSince).ToList();
        var max = session.Parameters.MaxFragmentResults;
        return session.Parameters.PlaybackMode != PlaybackMode.OnDemand && listed.Count > max ? listed.GetRange(listed.Count - max, max) : listed;
    }

    private static double Longest(EmulatorSession session, ListedFragment fragment)
    {
        var longest = 0.0;
        for (var t = 0; t < session.Formats.Count; t++)
        {
            longest = Math.Max(longest, (double)fragment.Durations[t] / session.Formats[t].Timescale);
        }

        return longest;
    }
}
