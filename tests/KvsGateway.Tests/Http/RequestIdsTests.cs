using KvsGateway.Kvs.Errors;

namespace KvsGateway.Tests.Http;

public sealed class RequestIdsTests
{
    [Fact]
    public void Ids_are_version_4_shaped_uuids_and_never_repeat()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => RequestIds.Next()).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id =>
        {
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
        });
    }

    [Fact]
    public void Ids_made_at_once_on_many_threads_never_repeat()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                ids.Add(RequestIds.Next());
            }
        });

        Assert.Equal(40_000, ids.Distinct(StringComparer.Ordinal).Count());
    }
}
