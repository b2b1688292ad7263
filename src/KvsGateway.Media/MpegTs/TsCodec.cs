namespace KvsGateway.Media.MpegTs;

/// <summary>The elementary streams the MPEG-TS muxer carries (what KVS allows in an MPEG_TS session).</summary>
public enum TsCodec
{
    /// <summary>H.264, stream_type 0x1B, Annex B byte stream in PES.</summary>
    H264,

    /// <summary>AAC, stream_type 0x0F, ADTS frames in PES.</summary>
    Aac,
}
