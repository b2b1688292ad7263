namespace KvsGateway.Kvs.Validation;

/// <summary>HLS <c>DiscontinuityMode</c>: where a media playlist places <c>#EXT-X-DISCONTINUITY</c>.</summary>
public enum HlsDiscontinuityMode
{
    Always,
    Never,
    OnDiscontinuity,
}
