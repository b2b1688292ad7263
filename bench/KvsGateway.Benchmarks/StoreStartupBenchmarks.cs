using BenchmarkDotNet.Attributes;
using KvsGateway.Emulator;
using KvsGateway.Emulator.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KvsGateway.Benchmarks;

/// <summary>
/// Emulator start-up with one stream of 100,000 fragments: replaying the index log and reconciling
/// it with the folder, against the floor of merely listing that folder once.
/// </summary>
[MemoryDiagnoser]
public class StoreStartupBenchmarks
{
    private const int Fragments = 100_000;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "kvsgw-bench-store");
    private string _streamDirectory = string.Empty;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        var store = new StreamStore(Options.Create(new EmulatorOptions { DataPath = _root }), TimeProvider.System, NullLogger<StreamStore>.Instance);
        await store.LoadAsync(default);
        await store.CreateAsync(new Kvs.Wire.CreateStreamInput { StreamName = "bench", DataRetentionInHours = 24 }, default);
        await store.DisposeAsync();

        _streamDirectory = Path.Combine(_root, "streams", "s-bench");
        var (log, _, _) = await FragmentIndexLog.OpenAsync(_streamDirectory, default);
        var sequence = new FragmentNumberSequence(null);
        var entries = new List<FragmentIndexEntry>(Fragments);
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        for (var i = 0; i < Fragments; i++)
        {
            var time = start.AddMilliseconds(i * 2000L / 3);
            var number = sequence.Next(time);
            var path = Path.Combine(_streamDirectory, number + FragmentFile.Extension);
            entries.Add(new FragmentIndexEntry(number, time, time, 2000, 10_000, path));
            await File.WriteAllBytesAsync(path, []);
        }

        await log.RewriteAsync(entries, default);
        await log.DisposeAsync();
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Baseline = true, Description = "list the stream folder")]
    public int ListFolder() => Directory.EnumerateFiles(_streamDirectory).Count();

    [Benchmark(Description = "StreamStore.LoadAsync, 100,000 fragments")]
    public async Task<int> Load()
    {
        var store = new StreamStore(Options.Create(new EmulatorOptions { DataPath = _root }), TimeProvider.System, NullLogger<StreamStore>.Instance);
        await store.LoadAsync(default);
        var count = store.GetFragments(new Kvs.Validation.StreamIdentity("bench", null)).Count;
        await store.DisposeAsync();
        return count;
    }
}
