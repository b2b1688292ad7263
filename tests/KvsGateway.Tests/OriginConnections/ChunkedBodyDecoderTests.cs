using System.Buffers;
using System.Text;
using KvsGateway.OriginConnections;

namespace KvsGateway.Tests.OriginConnections;

public sealed class ChunkedBodyDecoderTests
{
    private const string Body = "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public void A_body_decodes_the_same_in_pieces_of_any_size(int piece)
    {
        var (data, rest) = Decode(Encoding.ASCII.GetBytes(Body + "NEXT"), piece);
        Assert.Equal("helloabcdefghijklmnopqrstuvwxyz", Encoding.ASCII.GetString(data));
        Assert.Equal("NEXT", Encoding.ASCII.GetString(rest));
    }

    [Theory]
    [InlineData("zz\r\n")]
    [InlineData("-1\r\n")]
    [InlineData("\r\n")]
    [InlineData("1000000000000000\r\n")]
    [InlineData("3\r\nabcX\r\n")]
    public void A_malformed_body_is_refused(string body)
    {
        Assert.Throws<OriginProtocolException>(() => Decode(Encoding.ASCII.GetBytes(body), 1000));
    }

    [Fact]
    public void A_size_line_without_end_is_refused_at_its_limit()
    {
        Assert.Throws<OriginProtocolException>(() => Decode(Encoding.ASCII.GetBytes("1;" + new string('x', 5000)), 1000));
    }

    // Feeds the bytes as a connection would: appended piece by piece, what the decoder takes removed.
    private static (byte[] Data, byte[] Remainder) Decode(byte[] input, int piece)
    {
        var decoder = default(ChunkedBodyDecoder);
        var pending = new List<byte>();
        var data = new List<byte>();
        var offset = 0;
        while (!decoder.IsDone)
        {
            var status = decoder.Decode(pending.ToArray(), out var consumed, out var count);
            data.AddRange(pending.GetRange(0, count));
            pending.RemoveRange(0, consumed);
            if (status == OperationStatus.NeedMoreData || (consumed == 0 && !decoder.IsDone))
            {
                if (offset >= input.Length)
                {
                    throw new InvalidOperationException("The input ended inside the body.");
                }

                var take = Math.Min(piece, input.Length - offset);
                pending.AddRange(input.AsSpan(offset, take).ToArray());
                offset += take;
            }
        }

        pending.AddRange(input.AsSpan(offset).ToArray());
        return ([.. data], [.. pending]);
    }
}
