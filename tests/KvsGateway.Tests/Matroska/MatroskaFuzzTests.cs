using System.Globalization;
using KvsGateway.Media.Codecs;
using KvsGateway.Media.Matroska;
using KvsGateway.Media.Packaging;
using KvsGateway.Testing;
using KvsGateway.Media.Mp4;

namespace KvsGateway.Tests.Matroska;

/// <summary>
/// 100,000 mutated inputs (KVSGW_FUZZ_COUNT to change, KVSGW_FUZZ_SEED to vary) through the reader
/// and the packager: each ends cleanly or with a typed error, promptly, within a memory bound.
/// </summary>
public sealed class MatroskaFuzzTests
{
    private static readonly string[] Sources = ["h264.mkv", "h264-aac.mkv", "h265-aac.mkv", "h264-alaw.mkv", "aac.mkv", "unknown-size.mkv", "crc32.mkv"];

    [Fact]
    public async Task Mutated_inputs_end_in_a_result_or_a_typed_error()
    {
        var count = int.Parse(Environment.GetEnvironmentVariable("KVSGW_FUZZ_COUNT") ?? "100000", CultureInfo.InvariantCulture);
        var seed = int.Parse(Environment.GetEnvironmentVariable("KVSGW_FUZZ_SEED") ?? "20261125", CultureInfo.InvariantCulture);
        var sources = Sources.Select(s => File.ReadAllBytes(Fixtures.PathOf(s))).ToArray();
        var outcomes = new Dictionary<string, int>();
        for (var i = 0; i < count; i++)
        {
            var input = MatroskaMutator.Mutate(sources[i % sources.Length], seed, i);
            var before = GC.GetAllocatedBytesForCurrentThread();
            string outcome;
            try
            {
                outcome = await ReadAndPackageAsync(input).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (MatroskaFormatException ex)
            {
                outcome = ex.Error.ToString();
            }
            catch (MediaFormatException ex)
            {
                outcome = ex.Error.ToString();
            }
            catch (Exception ex)
            {
                Assert.Fail($"input {i} of seed {seed} ({Sources[i % Sources.Length]}) threw {ex}");
                throw;
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 64L * 1024 * 1024, $"input {i} of seed {seed} allocated {allocated} bytes for {input.Length} bytes of input");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        // The mutations must reach both the happy path and the error paths, or they test nothing.
        Assert.True(outcomes.GetValueOrDefault("ok") > count / 100, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault(nameof(MatroskaError.Truncated)) > count / 100, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault(nameof(MatroskaError.Malformed)) > count / 100, string.Join(", ", outcomes));
    }

    private static async Task<string> ReadAndPackageAsync(byte[] input)
    {
        var reader = new MatroskaReader(new MemoryStream(input, writable: false));
        IReadOnlyList<TrackFormat>? formats = null;
        while (await reader.ReadClusterAsync() is { } cluster)
        {
            formats ??= TrackFormatFactory.Create(cluster.Header);
            ClusterPackager.Package(cluster, formats);
        }

        return "ok";
    }
}
