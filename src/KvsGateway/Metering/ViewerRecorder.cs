using KvsGateway.Sessions;
using Microsoft.Extensions.Options;

namespace KvsGateway.Metering;

/// <summary>Turns a delivered media fragment into a viewer record, when <c>Metering:ViewerRecords</c> is on.</summary>
public sealed class ViewerRecorder
{
    private readonly UsageMeter _meter;
    private readonly FragmentNumberIndex _fragmentNumbers;

    public ViewerRecorder(UsageMeter meter, FragmentNumberIndex fragmentNumbers, IOptions<MeteringOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _meter = meter;
        _fragmentNumbers = fragmentNumbers;
        Enabled = options.Value.ViewerRecords;
    }

    public bool Enabled { get; }

    public void Record(PlaybackSession session, int track, long sequence, string? fragmentNumber, long bytes, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(session);
        _meter.RecordViewer(new ViewerRecord
        {
            Time = time,
            Tenant = session.Tenant,
            Stream = session.StreamName,
            SessionId = session.SessionId,
            FragmentNumber = fragmentNumber ?? _fragmentNumbers.Find(session.OriginSessionId ?? session.SessionId, track, sequence),
            Track = track,
            SequenceNumber = sequence,
            Bytes = bytes,
        });
    }
}
