using KvsGateway.Delivery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace KvsGateway.Tests.Delivery;

/// <summary>When a response counts as cut by its viewer (metered as a failure).</summary>
public sealed class ResponseDeliveryTests
{
    [Fact]
    public async Task A_viewer_that_closes_right_after_the_last_byte_did_not_cut_the_response()
    {
        using var aborted = new CancellationTokenSource();
        var context = Context(aborted.Token, contentLength: 1000);
        var delivery = ResponseDelivery.Begin(context);
        await context.Response.Body.WriteAsync(new byte[1000]);

        // The viewer had every byte and hung up before the metering step looked.
        await aborted.CancelAsync();
        Assert.False(delivery.Aborted(context));
    }

    [Fact]
    public async Task A_viewer_that_hangs_up_before_the_declared_body_was_written_cut_it()
    {
        using var aborted = new CancellationTokenSource();
        var context = Context(aborted.Token, contentLength: 1000);
        var delivery = ResponseDelivery.Begin(context);
        await context.Response.Body.WriteAsync(new byte[400]);
        await aborted.CancelAsync();
        Assert.True(delivery.Aborted(context));
    }

    [Fact]
    public async Task A_response_without_a_declared_length_is_cut_by_an_abort()
    {
        using var aborted = new CancellationTokenSource();
        var context = Context(aborted.Token, contentLength: null);
        var delivery = ResponseDelivery.Begin(context);
        await context.Response.Body.WriteAsync(new byte[400]);
        await aborted.CancelAsync();
        Assert.True(delivery.Aborted(context));
    }

    private static DefaultHttpContext Context(CancellationToken aborted, long? contentLength)
    {
        var context = new DefaultHttpContext { RequestAborted = aborted };
        context.Request.Method = "GET";
        context.Request.Protocol = "HTTP/1.1";
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(new MemoryStream()));
        context.Response.ContentLength = contentLength;
        return context;
    }
}
