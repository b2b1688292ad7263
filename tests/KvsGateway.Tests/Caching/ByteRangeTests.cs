using KvsGateway.Caching;

namespace KvsGateway.Tests.Caching;

public sealed class ByteRangeTests
{
    [Theory]
    [InlineData("bytes=0-99", 1000, 0, 100)]
    [InlineData("bytes=100-", 1000, 100, 900)]
    [InlineData("bytes=900-5000", 1000, 900, 100)]
    [InlineData("bytes=-300", 1000, 700, 300)]
    [InlineData("bytes=-5000", 1000, 0, 1000)]
    [InlineData("BYTES= 5 - 9 ", 1000, 5, 5)]
    [InlineData("bytes=1000-", 1000, 1000, 0)]
    [InlineData("bytes=-0", 1000, 1000, 0)]
    public void One_range_resolves_against_the_length(string header, long total, long start, long length)
    {
        Assert.True(ByteRange.TryParse(header, total, out var range));
        Assert.Equal(new ByteRange(start, length), range);
    }

    [Theory]
    [InlineData("bytes=0-1,5-9")]
    [InlineData("items=0-9")]
    [InlineData("bytes=9-5")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=5")]
    [InlineData("bytes=-")]
    [InlineData("bytes=99999999999999999999999-")]
    public void Anything_but_one_byte_range_is_not_answered_as_a_range(string header)
    {
        Assert.False(ByteRange.TryParse(header, 1000, out _));
    }
}
