using KvsGateway.Media.Matroska;

namespace KvsGateway.Testing;

/// <summary>A fixture file read whole: its segment header and every cluster, as the source of truth for comparisons.</summary>
internal static class FixtureMedia
{
    public static async Task<(MatroskaSegmentHeader Header, List<MatroskaCluster> Clusters)> ReadAsync(string path)
    {
        await using var file = File.OpenRead(path);
        var reader = new MatroskaReader(file);
        var clusters = new List<MatroskaCluster>();
        while (await reader.ReadClusterAsync() is { } cluster)
        {
            clusters.Add(cluster);
        }

        return (reader.Header!, clusters);
    }
}
