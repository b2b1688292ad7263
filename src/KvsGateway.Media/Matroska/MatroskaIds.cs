namespace KvsGateway.Media.Matroska;

/// <summary>Element IDs of the Matroska elements a KVS producer writes (IDs keep their length marker bits).</summary>
internal static class MatroskaIds
{
    public const uint EbmlHeader = 0x1A45DFA3;
    public const uint DocType = 0x4282;
    public const uint Segment = 0x18538067;
    public const uint SeekHead = 0x114D9B74;
    public const uint Info = 0x1549A966;
    public const uint TimecodeScale = 0x2AD7B1;
    public const uint Tracks = 0x1654AE6B;
    public const uint TrackEntry = 0xAE;
    public const uint TrackNumber = 0xD7;
    public const uint TrackUid = 0x73C5;
    public const uint TrackType = 0x83;
    public const uint CodecId = 0x86;
    public const uint CodecPrivate = 0x63A2;
    public const uint DefaultDuration = 0x23E383;
    public const uint Name = 0x536E;
    public const uint Video = 0xE0;
    public const uint PixelWidth = 0xB0;
    public const uint PixelHeight = 0xBA;
    public const uint Audio = 0xE1;
    public const uint SamplingFrequency = 0xB5;
    public const uint Channels = 0x9F;
    public const uint Cluster = 0x1F43B675;
    public const uint Timecode = 0xE7;
    public const uint SimpleBlock = 0xA3;
    public const uint BlockGroup = 0xA0;
    public const uint Block = 0xA1;
    public const uint BlockDuration = 0x9B;
    public const uint ReferenceBlock = 0xFB;
    public const uint Cues = 0x1C53BB6B;
    public const uint Tags = 0x1254C367;
    public const uint Chapters = 0x1043A770;
    public const uint Attachments = 0x1941A469;
    public const uint Void = 0xEC;
    public const uint Crc32 = 0xBF;

    /// <summary>Elements that end an unknown-size Cluster or Segment when they appear.</summary>
    public static bool IsTopLevel(uint id) => id is EbmlHeader or Segment or SeekHead or Info or Tracks or Cluster
        or Cues or Tags or Chapters or Attachments;
}
