using KvsGateway.Media.Packaging;

namespace KvsGateway.Tests.Packaging;

public sealed class ClusterPackagerDurationTests
{
    /// <summary>The store measures a fragment without building its samples; both must agree.</summary>
    [Fact]
    public void MeasureDuration_equals_the_sum_of_the_built_sample_durations()
    {
        var random = new Random(12);
        for (var run = 0; run < 2000; run++)
        {
            var count = random.Next(1, 40);
            var frames = new FrameInfo[count];
            long timecode = random.Next(0, 100_000);
            for (var i = 0; i < count; i++)
            {
                // Decode order with B-frame style reordering and, now and then, a block duration.
                var pts = timecode + (i * 40) + (random.Next(3) * 40);
                frames[i] = new FrameInfo(pts, i == 0, random.Next(5) == 0 ? random.Next(1, 80) : null, random.Next(1, 100));
            }

            ulong? defaultNs = random.Next(3) == 0 ? (ulong)random.Next(1, 50) * 1_000_000 : null;
            var timescale = random.Next(2) == 0 ? 1000u : 90_000u;
            ulong built;
            try
            {
                ClusterPackager.BuildSamples(frames, defaultNs, 1_000_000, timescale, out built);
            }
            catch (KvsGateway.Media.Matroska.MatroskaFormatException)
            {
                // Orders whose last frame would get a negative duration are refused when packaged.
                continue;
            }

            Assert.Equal(built, ClusterPackager.MeasureDuration(frames, defaultNs, 1_000_000, timescale));
        }
    }
}
