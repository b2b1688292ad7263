namespace KvsGateway.Caching;

/// <summary>The fragment resources of a KVS session, as their file names in its URLs.</summary>
public static class FragmentResources
{
    public const string Init = "getMP4InitFragment.mp4";

    public const string Media = "getMP4MediaFragment.mp4";

    public const string Ts = "getTSFragment.ts";
}
