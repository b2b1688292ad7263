namespace KvsGateway.Caching;

/// <summary>
/// A fragment as the origin names it within one origin session: the gateway's id of the pooled
/// origin session (never the origin's token), the resource (e.g. <c>getMP4MediaFragment.mp4</c>),
/// track (0 for a TS chunk, which holds all) and number: DASH's sequence number or HLS's KVS
/// fragment number (up to 128 digits), as the request wrote it; empty for an init fragment.
/// </summary>
public readonly record struct FragmentKey(string OriginSessionId, string Resource, int Track, string Number);
