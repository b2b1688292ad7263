namespace KvsGateway.Caching;

/// <summary>
/// A fragment as the origin names it within one origin session: the gateway's id of the pooled
/// origin session (never the origin's token), the resource (e.g. <c>getMP4MediaFragment.mp4</c>),
/// track and sequence number.
/// </summary>
public readonly record struct FragmentKey(string OriginSessionId, string Resource, int Track, long Sequence);
