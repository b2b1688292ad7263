using KvsGateway.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace KvsGateway.Tests.Sessions;

/// <summary>
/// A request resolving a session reads Redis, then caches what it read. Before, a revocation landing
/// between the read and the add was evicted from an empty cache, and the add then kept the revoked
/// session playing for up to 30 s.
/// </summary>
public sealed class SessionCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_session_read_before_a_revocation_is_not_cached_after_it()
    {
        var cache = new SessionCache(_time);
        var session = Session("s1");

        // The request takes its generation and reads Redis ...
        var generation = cache.Generation;

        // ... the session is revoked meanwhile (on this replica or announced by another) ...
        cache.Evict(new Revocation(RevocationScope.Session, "acme", "cam", "s1"));

        // ... and the request, done reading, tries to cache what it read.
        Assert.False(cache.TryAdd("token-1", session, generation));
        Assert.Null(cache.Find("token-1"));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Null(cache.Find("token-1"));
    }

    [Fact]
    public void A_session_read_after_the_last_revocation_is_cached_until_its_max_age()
    {
        var cache = new SessionCache(_time);
        cache.Evict(new Revocation(RevocationScope.Tenant, "other"));
        var generation = cache.Generation;
        Assert.True(cache.TryAdd("token-1", Session("s1"), generation));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.NotNull(cache.Find("token-1"));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(cache.Find("token-1"));
    }

    [Fact]
    public void A_revocation_evicts_what_it_covers_and_keeps_the_rest()
    {
        var cache = new SessionCache(_time);
        Assert.True(cache.TryAdd("a", Session("s1"), cache.Generation));
        Assert.True(cache.TryAdd("b", Session("s2", stream: "door"), cache.Generation));
        Assert.Equal(1, cache.Evict(new Revocation(RevocationScope.Stream, "acme", Stream: "cam")));
        Assert.Null(cache.Find("a"));
        Assert.NotNull(cache.Find("b"));
    }

    private PlaybackSession Session(string id, string stream = "cam") => new()
    {
        SessionId = id,
        Tenant = "acme",
        StreamName = stream,
        PlaybackMode = KvsGateway.Kvs.Validation.PlaybackMode.Live,
        FragmentSelectorType = "SERVER_TIMESTAMP",
        DisplayFragmentTimestamp = false,
        DisplayFragmentNumber = false,
        OriginSessionUrl = "http://origin/dash/v1/getDASHManifest.mpd?SessionToken=o",
        CreatedAt = _time.GetUtcNow(),
        ExpiresAt = _time.GetUtcNow().AddHours(1),
    };
}
