using System.Text;
using KvsGateway.Kvs.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace KvsGateway.Tests.Http;

public sealed class KvsErrorFilterTests
{
    [Fact]
    public async Task An_unexpected_failure_is_answered_inside_the_steps_so_the_metering_before_it_sees_the_answer()
    {
        // The origin-hang scenario's 500s: an exception nothing translated escaped to the middleware,
        // which answered after the metering step had finished, so the answer was billed to no one.
        var (context, body) = NewContext();
        var filter = new KvsErrorFilter([], NullLogger<KvsErrorFilter>.Instance);

        await filter.InvokeAsync(EndpointFilterInvocationContext.Create(context), _ => throw new InvalidOperationException("a bug"));

        Assert.Equal(500, context.Response.StatusCode);
        Assert.StartsWith("InternalFailure:", context.Response.Headers["x-amzn-ErrorType"].ToString(), StringComparison.Ordinal);
        Assert.Contains("internal error", Encoding.UTF8.GetString(body.ToArray()), StringComparison.Ordinal);
        Assert.DoesNotContain("a bug", Encoding.UTF8.GetString(body.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_that_went_away_is_not_answered()
    {
        var (context, body) = NewContext();
        using var aborted = new CancellationTokenSource();
        await aborted.CancelAsync();
        context.RequestAborted = aborted.Token;
        var filter = new KvsErrorFilter([], NullLogger<KvsErrorFilter>.Instance);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await filter.InvokeAsync(EndpointFilterInvocationContext.Create(context), _ => throw new OperationCanceledException(aborted.Token)));

        Assert.Equal(0, body.Length);
    }

    private static (DefaultHttpContext Context, MemoryStream Body) NewContext()
    {
        var body = new MemoryStream();
        var context = new DefaultHttpContext();
        context.Response.Body = body;
        return (context, body);
    }
}
