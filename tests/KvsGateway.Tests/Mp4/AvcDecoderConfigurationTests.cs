using KvsGateway.Media.Codecs;
using KvsGateway.Media.Matroska;

namespace KvsGateway.Tests.Mp4;

public sealed class AvcDecoderConfigurationTests
{
    [Fact]
    public async Task The_fixture_avcC_gives_the_codecs_string_and_picture_size()
    {
        await using var file = Fixtures.Open("h264.mkv");
        var reader = new MatroskaReader(file);
        await reader.ReadClusterAsync();
        var avc = AvcDecoderConfiguration.Parse(reader.Header!.Tracks[0].CodecPrivate);
        Assert.Equal("avc1.42C00D", avc.CodecsString);
        Assert.Equal(320, avc.Sps.Width);
        Assert.Equal(240, avc.Sps.Height);
        Assert.Equal(4, avc.NalLengthSize);
    }

    [Fact]
    public void Missing_codec_private_data_is_its_own_error()
    {
        var error = Assert.Throws<MediaFormatException>(() => AvcDecoderConfiguration.Parse(null));
        Assert.Equal(MediaFormatError.MissingCodecPrivateData, error.Error);
    }

    [Theory]
    [InlineData(new byte[] { 1, 66, 192, 13 })]
    [InlineData(new byte[] { 2, 66, 192, 13, 0xFF, 0xE1, 0, 4, 0x67, 0x42, 0xC0, 0x0D, 1, 0, 1, 0x68 })]
    [InlineData(new byte[] { 1, 66, 192, 13, 0xFF, 0xE1, 0, 40, 0x67, 0x42 })]
    [InlineData(new byte[] { 1, 66, 192, 13, 0xFF, 0xE0, 1, 0, 1, 0x68 })]
    public void Malformed_avcC_is_invalid_codec_private_data(byte[] record)
    {
        var error = Assert.Throws<MediaFormatException>(() => AvcDecoderConfiguration.Parse(record));
        Assert.Equal(MediaFormatError.InvalidCodecPrivateData, error.Error);
    }
}
