namespace KvsGateway.Media.Matroska;

/// <summary>What a Segment declares before its Clusters: timecode scale and tracks.</summary>
public sealed record MatroskaSegmentHeader(long TimecodeScaleNs, IReadOnlyList<MatroskaTrack> Tracks)
{
    public MatroskaTrack? FindTrack(ulong trackNumber)
    {
        foreach (var track in Tracks)
        {
            if (track.TrackNumber == trackNumber)
            {
                return track;
            }
        }

        return null;
    }
}
