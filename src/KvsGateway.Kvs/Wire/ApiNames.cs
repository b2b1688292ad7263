namespace KvsGateway.Kvs.Wire;

/// <summary>The <c>APIName</c> values of GetDataEndpoint.</summary>
public static class ApiNames
{
    public const string PutMedia = "PUT_MEDIA";
    public const string GetMedia = "GET_MEDIA";
    public const string ListFragments = "LIST_FRAGMENTS";
    public const string GetMediaForFragmentList = "GET_MEDIA_FOR_FRAGMENT_LIST";
    public const string GetHlsStreamingSessionUrl = "GET_HLS_STREAMING_SESSION_URL";
    public const string GetDashStreamingSessionUrl = "GET_DASH_STREAMING_SESSION_URL";
    public const string GetClip = "GET_CLIP";
    public const string GetImages = "GET_IMAGES";

    public static readonly IReadOnlyList<string> All =
    [
        PutMedia, GetMedia, ListFragments, GetMediaForFragmentList, GetHlsStreamingSessionUrl, GetDashStreamingSessionUrl, GetClip, GetImages,
    ];
}
