using System.IO.Pipelines;
using System.Text;
using KvsGateway.Manifests;

namespace KvsGateway.Tests.Manifests;

public sealed class ManifestTemplateTests
{
    [Theory]
    [InlineData("<a x=\"M?T=@\" y=\"@\"/>", "<a x=\"M?T=tok.en\" y=\"tok.en\"/>")]
    [InlineData("@<b/>@", "tok.en<b/>tok.en")]
    [InlineData("<no-token/>", "<no-token/>")]
    public async Task The_token_goes_in_every_place_the_marker_was(string rewritten, string expected)
    {
        var template = ManifestTemplate.Split(Encoding.UTF8.GetBytes(rewritten.Replace("@", "MARKER", StringComparison.Ordinal)), "MARKER");
        var pipe = new Pipe();
        var token = Encoding.ASCII.GetBytes("tok.en");
        template.WriteTo(pipe.Writer, token);
        await pipe.Writer.CompleteAsync();
        var output = Encoding.UTF8.GetString(await ReadAsync(pipe.Reader));
        Assert.Equal(expected, output);
        Assert.Equal(Encoding.UTF8.GetByteCount(expected), template.Length(token.Length));
    }

    private static async Task<byte[]> ReadAsync(PipeReader reader)
    {
        var stream = new MemoryStream();
        await reader.CopyToAsync(stream);
        return stream.ToArray();
    }
}
