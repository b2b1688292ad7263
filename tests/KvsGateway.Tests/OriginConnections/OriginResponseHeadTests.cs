using System.Text;
using KvsGateway.OriginConnections;

namespace KvsGateway.Tests.OriginConnections;

public sealed class OriginResponseHeadTests
{
    [Fact]
    public void A_head_is_parsed_and_its_length_returned()
    {
        var bytes = Encoding.ASCII.GetBytes("HTTP/1.1 206 Partial Content\r\nContent-Type: video/mp4\r\nContent-Length: 42\r\nContent-Range:  bytes 0-41/100 \r\n\r\nBODY");
        var taken = OriginResponseHead.TryParse(bytes, out var head);
        Assert.Equal(bytes.Length - 4, taken);
        Assert.NotNull(head);
        Assert.Equal(206, head.StatusCode);
        Assert.Equal(42, head.ContentLength);
        Assert.False(head.Chunked);
        Assert.True(head.KeepAlive);
        Assert.Equal("video/mp4", head["content-type"]);
        Assert.Equal("bytes 0-41/100", head["Content-Range"]);
        Assert.Null(head["ETag"]);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r")]
    [InlineData("HTTP/1.1 2")]
    [InlineData("")]
    public void An_incomplete_head_takes_nothing(string text)
    {
        Assert.Equal(0, OriginResponseHead.TryParse(Encoding.ASCII.GetBytes(text), out var head));
        Assert.Null(head);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, null, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 10\r\n\r\n", true, null, false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n", false, 10L, false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: Keep-Alive, Close\r\n\r\n", false, 10L, false)]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", false, null, false)]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", false, null, true)]
    [InlineData("HTTP/1.1 304 Not Modified\r\n\r\n", false, null, true)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", false, 1L, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n", false, 1L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n", false, 7L, true)]
    [InlineData("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false, 0L, true)]
    public void The_body_framing_and_keep_alive_follow_RFC_9112(string text, bool chunked, long? length, bool keepAlive)
    {
        Assert.True(OriginResponseHead.TryParse(Encoding.ASCII.GetBytes(text), out var head) > 0);
        Assert.Equal(chunked, head!.Chunked);
        Assert.Equal(length, head.ContentLength);
        Assert.Equal(keepAlive, head.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("ICY 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 099 Low\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n: 1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: a\u0001b\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-A: a\nb\r\n\r\n")]
    public void What_cannot_be_framed_with_certainty_is_refused(string text)
    {
        Assert.Throws<OriginProtocolException>(() => OriginResponseHead.TryParse(Encoding.Latin1.GetBytes(text), out _));
    }

    [Fact]
    public void A_head_longer_than_its_limit_is_refused_complete_or_not()
    {
        var field = "X-Long: " + new string('a', OriginResponseHead.MaxBytes) + "\r\n";
        Assert.Throws<OriginProtocolException>(() => OriginResponseHead.TryParse(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\n" + field), out _));
        Assert.Throws<OriginProtocolException>(() => OriginResponseHead.TryParse(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\n" + field + "\r\n"), out _));
    }

    [Fact]
    public void More_than_a_hundred_fields_are_refused()
    {
        var text = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (var i = 0; i < 101; i++)
        {
            text.Append("X-").Append(i).Append(": v\r\n");
        }

        Assert.Throws<OriginProtocolException>(() => OriginResponseHead.TryParse(Encoding.ASCII.GetBytes(text.Append("\r\n").ToString()), out _));
    }
}
