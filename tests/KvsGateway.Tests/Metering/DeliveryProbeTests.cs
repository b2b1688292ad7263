using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using KvsGateway.Delivery;

namespace KvsGateway.Tests.Metering;

/// <summary>The two halves of the delivery check: what was handed to the transport, what the peer acknowledged.</summary>
public sealed class DeliveryProbeTests
{
    [Fact]
    public async Task The_probe_reports_what_the_peer_acknowledged_not_what_its_application_read()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        using var server = await listener.AcceptSocketAsync();
        using var probe = AcknowledgedBytesProbe.Create(server);
        Assert.NotNull(probe);
        Assert.Equal(0, probe.Read());

        // The peer's kernel acknowledges on receipt; its application has read nothing yet.
        await server.SendAsync(new byte[20_000]);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (probe.Read() != 20_000 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.Equal(20_000, probe.Read());
        Assert.Equal(20_000, client.Available);

        probe.Dispose();
        Assert.Null(probe.Read());
    }

    [Fact]
    public async Task The_counter_numbers_every_byte_handed_to_the_transport_by_either_way_of_writing()
    {
        var pipe = new Pipe();
        var counter = new TransportOutputCounter(pipe.Writer);
        var span = counter.GetSpan(100);
        span[..100].Fill(1);
        counter.Advance(100);
        await counter.FlushAsync();
        await counter.WriteAsync(new byte[50]);
        await counter.CompleteAsync();

        Assert.Equal(150, counter.BytesHanded);
        var read = await pipe.Reader.ReadAsync();
        Assert.Equal(150, read.Buffer.Length);
    }
}
