namespace KvsGateway.Media.Mp4;

/// <summary>How one Matroska track is described in DASH and fragmented MP4.</summary>
public sealed record TrackFormat
{
    /// <summary>The MP4 track_ID; KVS uses the Matroska TrackNumber.</summary>
    public required uint TrackId { get; init; }

    public required TrackKind Kind { get; init; }

    /// <summary>RFC 6381 codecs string for the MPD.</summary>
    public required string Codecs { get; init; }

    public string MimeType => Kind == TrackKind.Video ? "video/mp4" : "audio/mp4";

    /// <summary>Ticks per second of the MP4 track; every sample duration is whole in it.</summary>
    public required uint Timescale { get; init; }

    /// <summary>Four-character code of the sample entry (<c>avc1</c>, …).</summary>
    public required string SampleEntryType { get; init; }

    /// <summary>Four-character code of the configuration box inside the sample entry, if any.</summary>
    public string? SampleEntryConfigType { get; init; }

    public byte[] SampleEntryConfig { get; init; } = [];

    public int Width { get; init; }

    public int Height { get; init; }

    public int SampleRate { get; init; }

    public int Channels { get; init; }

    /// <summary>Every sample lasts this many ticks (AAC: 1024 samples a frame), whatever the Matroska timecodes say.</summary>
    public uint? FixedSampleDuration { get; init; }

    /// <summary>For PCM-like codecs (G.711): a sample's duration is its size divided by this.</summary>
    public int? BytesPerSampleFrame { get; init; }
}
