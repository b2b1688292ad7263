namespace KvsGateway.Caching;

/// <summary>What the origin answered before the body (type, validators, and the length when it declared one): the headers every viewer of the fragment gets.</summary>
public sealed record CachedFragmentHeaders(string? ContentType, string? ETag, string? LastModified, long? Length);
