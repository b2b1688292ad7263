using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace KvsGateway.Delivery;

/// <summary>Gives each connection of an endpoint a <see cref="DeliveryTracker"/>.</summary>
public static class DeliveryTrackingListenOptionsExtensions
{
    /// <summary>
    /// Counts what Kestrel hands the connection's transport and probes what the viewer acknowledged.
    /// Added before TLS, so both sides of the comparison count the bytes on the wire.
    /// </summary>
    public static void UseDeliveryTracking(this ListenOptions listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        // The system clock, not the application's: a kernel acknowledges in real time, whatever
        // clock sessions and usage hours are read from (tests advance that one by hand).
        var watch = new DeliveryWatch(TimeProvider.System);
        listen.Use(next => connection => TrackAsync(connection, next, watch));
    }

    private static async Task TrackAsync(ConnectionContext connection, ConnectionDelegate next, DeliveryWatch watch)
    {
        if (AcknowledgedBytesProbe.Create(connection.Features.Get<IConnectionSocketFeature>()?.Socket) is not { } probe)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        var transport = connection.Transport;
        var output = new TransportOutputCounter(transport.Output);
        connection.Transport = new CountedTransport(transport.Input, output);
        using var tracker = new DeliveryTracker(probe, output, watch);
        connection.Features.Set(tracker);
        await next(connection).ConfigureAwait(false);
        await tracker.AwaitAcknowledgementAsync(TimeProvider.System).ConfigureAwait(false);
    }

    private sealed record CountedTransport(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
