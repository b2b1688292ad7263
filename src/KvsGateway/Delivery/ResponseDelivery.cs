
namespace KvsGateway.Delivery;

/// <summary>
/// The one seam between a response and what its viewer's machine received. <see cref="Begin"/> puts a
/// counter in front of the response body; <see cref="Complete"/> hands the delivered body bytes to a
/// recorder, at once or when they are known. HTTP/1.1 over a tracked connection: what the viewer's
/// machine acknowledged (see <see cref="DeliveryTracker"/>). HEAD: nothing (Kestrel drops the body).
/// HTTP/2, or where the kernel cannot say (not Linux, a kernel before 4.1): what was written.
/// Behind a load balancer that terminates TCP, "acknowledged" means read by the balancer.
/// </summary>
public sealed class ResponseDelivery
{
    private readonly CountingResponseBodyFeature _counter;
    private readonly bool _head;

    private ResponseDelivery(CountingResponseBodyFeature counter, bool head)
    {
        _counter = counter;
        _head = head;
    }

    /// <summary>Starts following this response's body.</summary>
    public static ResponseDelivery Begin(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ResponseDelivery(CountingResponseBodyFeature.Install(context), HttpMethods.IsHead(context.Request.Method));
    }

    /// <summary>
    /// Whether the viewer went away before it had the response: a write reached nothing (Kestrel
    /// completes writes into a connection the viewer has reset without raising RequestAborted), or
    /// the request was aborted before its declared body was written whole. A viewer may close its
    /// connection the moment it has the last byte, before this step runs: that response was not cut.
    /// </summary>
    public bool Aborted(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_counter.Dropped && !_head)
        {
            return true;
        }

        return context.RequestAborted.IsCancellationRequested
            && !(context.Response.ContentLength is { } length && _counter.BytesWritten >= length && !_head);
    }

    /// <summary>
    /// The response has ended: <paramref name="record"/> receives its delivered body bytes, now or
    /// once known. It may run after the request has ended, so it must not use the request.
    /// </summary>
    public void Complete(HttpContext context, bool aborted, Action<long> record)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(record);
        if (_head)
        {
            record(0);
        }
        else if (context.Request.Protocol == "HTTP/1.1" && context.Features.Get<DeliveryTracker>() is { } tracker)
        {
            // HTTP/1.1 serves one response at a time per connection, so the connection's byte stream
            // places this body exactly; over HTTP/2 streams share it: what was written is billed.
            tracker.Complete(_counter, aborted, record);
        }
        else
        {
            record(_counter.BytesWritten);
        }
    }

    /// <summary>A new request on a connection means its viewer read the previous response whole.</summary>
    public static void SettlePrevious(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Features.Get<DeliveryTracker>()?.Settle(connectionEnded: false);
    }
}
