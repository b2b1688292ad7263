using System.Globalization;
using KvsGateway.Sessions;
using Microsoft.Extensions.Options;

namespace KvsGateway.Metering;

/// <summary>Turns a delivered media fragment into a viewer record, when <c>Metering:ViewerRecords</c> is on.</summary>
public sealed class ViewerRecorder
{
    private readonly UsageMeter _meter;
    private readonly FragmentNumberIndex _fragmentNumbers;
    private readonly TimeProvider _time;
    private readonly bool _enabled;

    public ViewerRecorder(UsageMeter meter, FragmentNumberIndex fragmentNumbers, TimeProvider time, IOptions<MeteringOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _meter = meter;
        _fragmentNumbers = fragmentNumbers;
        _time = time;
        _enabled = options.Value.ViewerRecords;
    }

    /// <summary>
    /// Reads what the record needs from the request now (the context is not kept) and returns the
    /// action that records it once the delivered bytes are known; null when records are off.
    /// </summary>
    public Action<long>? Prepare(HttpContext context, PlaybackSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        if (!_enabled)
        {
            return null;
        }

        var query = context.Request.Query;
        var track = int.TryParse(query["TrackNumber"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : 0;
        var sequence = long.TryParse(query["SequenceNumber"], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
        var time = _time.GetUtcNow();
        return bytes => _meter.RecordViewer(new ViewerRecord
        {
            Time = time,
            Tenant = session.Tenant,
            Stream = session.StreamName,
            SessionId = session.SessionId,
            FragmentNumber = _fragmentNumbers.Find(session.SessionId, track, sequence),
            Track = track,
            SequenceNumber = sequence,
            Bytes = bytes,
        });
    }
}
