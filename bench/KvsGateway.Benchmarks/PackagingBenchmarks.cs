using BenchmarkDotNet.Attributes;
using KvsGateway.Media.Matroska;
using KvsGateway.Media.Mp4;
using KvsGateway.Media.Packaging;

namespace KvsGateway.Benchmarks;

/// <summary>
/// Matroska-to-fMP4 packaging throughput against the floor of copying the same bytes once:
/// the ratio says how much parsing and box writing cost on top of moving the media.
/// </summary>
[MemoryDiagnoser]
public class PackagingBenchmarks
{
    private byte[] _input = [];
    private byte[] _copy = [];

    [Params(64 * 1024)]
    public int FrameBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _input = SyntheticMatroska.Create(clusters: 20, FrameBytes);
        _copy = new byte[_input.Length];
    }

    [Benchmark(Baseline = true, Description = "memory copy of the input")]
    public int Copy()
    {
        Buffer.BlockCopy(_input, 0, _copy, 0, _input.Length);
        return _copy[^1];
    }

    [Benchmark(Description = "Matroska -> fMP4 (moof + mdat bytes)")]
    public async Task<long> Package()
    {
        var reader = new MatroskaReader(new MemoryStream(_input, writable: false));
        using var sink = new MemoryStream(_input.Length + (1 << 20));
        TrackFormat? format = null;
        uint sequence = 0;
        ulong time = 0;
        while (await reader.ReadClusterAsync().ConfigureAwait(false) is { } cluster)
        {
            format ??= TrackFormatFactory.Create(cluster.Header)[0];
            var packaged = ClusterPackager.Package(cluster, [format]);
            var track = packaged.Tracks[0];
            var header = FragmentedMp4Writer.CreateMediaSegmentHeader(++sequence, format.TrackId, time, track.Samples);
            sink.Write(header);
            foreach (var sample in track.SampleData)
            {
                sink.Write(sample.Span);
            }

            time += track.DurationTicks;
        }

        return sink.Length;
    }
}
