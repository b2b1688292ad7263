using BenchmarkDotNet.Attributes;
using KvsGateway.Kvs.Manifests;
using KvsGateway.Manifests;

namespace KvsGateway.Benchmarks;

/// <summary>Rewriting a 1000-fragment MPD (video and audio, kvs:ts and kvs:fn) against copying its bytes.</summary>
[MemoryDiagnoser]
public class ManifestRewriteBenchmarks
{
    private static readonly Uri Origin = new("http://origin.internal:8081/dash/v1/getDASHManifest.mpd?SessionToken=ORIGIN");
    private byte[] _mpd = [];
    private readonly MemoryStream _output = new(1 << 20);

    [Params(1000)]
    public int Fragments { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        MpdAdaptationSet Set(string type, string mime, string codecs, uint timescale, ulong duration) => new()
        {
            ContentType = type,
            MimeType = mime,
            Codecs = codecs,
            RepresentationId = type == "video" ? "1" : "2",
            Bandwidth = 500_000,
            Timescale = timescale,
            Initialization = $"getMP4InitFragment.mp4?SessionToken=ORIGIN&TrackNumber={(type == "video" ? 1 : 2)}",
            Media = $"getMP4MediaFragment.mp4?SessionToken=ORIGIN&TrackNumber={(type == "video" ? 1 : 2)}&SequenceNumber=$Number$",
            Segments = Enumerable.Range(0, Fragments).Select(i => new MpdSegment((ulong)i * duration, duration, 1_764_072_000_000 + (i * 2000L), "9134385233318000179559898550700000000000000" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).ToList(),
        };
        var document = new MpdDocument
        {
            IsDynamic = false,
            MediaPresentationDuration = TimeSpan.FromSeconds(2 * Fragments),
            DeclareKvsNamespace = true,
            AdaptationSets = [Set("video", "video/mp4", "avc1.42C00D", 90_000, 180_000), Set("audio", "audio/mp4", "mp4a.40.2", 16_000, 32_768)],
        };
        using var buffer = new MemoryStream();
        await MpdWriter.WriteAsync(document, buffer, CancellationToken.None);
        _mpd = buffer.ToArray();
    }

    [Benchmark(Baseline = true, Description = "copy the MPD bytes")]
    public async Task<long> Copy()
    {
        _output.SetLength(0);
        await new MemoryStream(_mpd, writable: false).CopyToAsync(_output);
        return _output.Length;
    }

    [Benchmark(Description = "streaming rewrite (URLs, token, kvs:* kept)")]
    public async Task<long> Rewrite()
    {
        _output.SetLength(0);
        await ManifestRewriter.RewriteAsync(new MemoryStream(_mpd, writable: false), _output, new ManifestRewriteOptions(Origin, "GATEWAY.TOKEN", true, true), CancellationToken.None);
        return _output.Length;
    }
}
