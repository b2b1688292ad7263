using System.Globalization;

namespace KvsGateway.FunctionalTests.Infrastructure;

/// <summary>ffmpeg as the oracle: decoded frame counts and bit-exact packet hashes of one stream of an input.</summary>
internal static class Ffmpeg
{
    // framemd5 columns: stream, dts, pts, duration, size, hash, then side data (TS packets carry some).
    private const int HashField = 5;

    /// <summary>Packet hashes of stream <paramref name="map"/> (e.g. <c>0:v:0</c>); ffmpeg exits 0 even when segments 404, so hashes are what count.</summary>
    public static async Task<List<string>> PacketHashesAsync(string input, string map, double? seconds = null)
    {
        // A dynamic (live) manifest never ends; -t bounds the run to what is already listed.
        string[] limit = seconds is { } s ? ["-t", s.ToString(CultureInfo.InvariantCulture)] : [];
        var result = await ExternalTool.RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-i", input, "-map", map, .. limit, "-c", "copy", "-f", "framemd5", "-"]);
        Assert.True(result.ExitCode == 0, result.Error);
        return result.Output.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(',')[HashField].Trim()).ToList();
    }

    /// <summary>Hashes of the decoded frames of stream <paramref name="map"/>: equal pictures whatever container carried them.</summary>
    public static async Task<List<string>> DecodedFrameHashesAsync(string input, string map)
    {
        // -autoscale 0: a stream whose resolution changes is hashed as decoded, not scaled to its first frame's size.
        var result = await ExternalTool.RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-i", input, "-map", map, "-autoscale", "0", "-f", "framemd5", "-"]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(string.IsNullOrWhiteSpace(result.Error), result.Error);
        return result.Output.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(',')[HashField].Trim()).ToList();
    }

    public static async Task<int> DecodedFramesAsync(string input, string map)
    {
        var result = await ExternalTool.RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-i", input, "-map", map, "-f", "null", "-", "-progress", "pipe:1"]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(string.IsNullOrWhiteSpace(result.Error), result.Error);
        return result.Output.Split('\n').Where(l => l.StartsWith("frame=", StringComparison.Ordinal)).Select(l => int.Parse(l[6..], CultureInfo.InvariantCulture)).LastOrDefault();
    }
}
