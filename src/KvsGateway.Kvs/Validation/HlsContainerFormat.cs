namespace KvsGateway.Kvs.Validation;

/// <summary>HLS <c>ContainerFormat</c>: fragmented MP4 (init + media segments per track) or MPEG-TS (one chunk, all tracks).</summary>
public enum HlsContainerFormat
{
    FragmentedMp4,
    MpegTs,
}
