using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace KvsGateway.FunctionalTests.Infrastructure;

/// <summary>
/// A transparent HTTP hop in front of an origin that writes down what crosses it: the witness of
/// what a gateway costs its origin. It forwards every request as sent (the Host header too, so
/// SigV4 signatures stay valid and the origin's URLs keep pointing here) and records each answer's
/// status and, for media, its track and a hash of its body.
/// </summary>
internal sealed class CountingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase) { "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer" };

    private readonly WebApplication _app;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, AutomaticDecompression = System.Net.DecompressionMethods.None });

    private CountingProxy(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>Requests by path.</summary>
    public ConcurrentDictionary<string, int> Paths { get; } = new(StringComparer.Ordinal);

    /// <summary>Answers by status code.</summary>
    public ConcurrentDictionary<int, int> Statuses { get; } = new();

    /// <summary>Answers of 400 and above: what the origin refused, when, and its message.</summary>
    public ConcurrentQueue<Refusal> Refusals { get; } = new();

    /// <summary>Successful media fragment answers by (track, SHA-256 of the body): how often the origin sent each fragment.</summary>
    public ConcurrentDictionary<(string Track, string Hash), int> MediaFetches { get; } = new();

    /// <summary>Body bytes the origin sent for init and media fragments.</summary>
    public long FragmentBytes => Interlocked.Read(ref _fragmentBytes);

    private long _fragmentBytes;

    public static async Task<CountingProxy> StartAsync(Uri target)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        CountingProxy? proxy = null;
        app.Run(context => proxy!.ForwardAsync(context, target));
        await app.StartAsync();
        proxy = new CountingProxy(app, new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First()));
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _http.Dispose();
    }

    private async Task ForwardAsync(HttpContext context, Uri target)
    {
        var incoming = context.Request;
        var path = incoming.Path.Value ?? "/";
        Paths.AddOrUpdate(path, 1, (_, n) => n + 1);
        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), new Uri(target, path + incoming.QueryString));
        if (incoming.ContentLength > 0 || incoming.Headers.TransferEncoding.Count > 0)
        {
            var body = new MemoryStream();
            await incoming.Body.CopyToAsync(body, context.RequestAborted);
            request.Content = new ByteArrayContent(body.ToArray());
        }

        foreach (var header in incoming.Headers)
        {
            if (HopHeaders.Contains(header.Key))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value))
            {
                request.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
            }
        }

        using var answer = await _http.SendAsync(request, context.RequestAborted);
        var status = (int)answer.StatusCode;
        Statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        var bytes = await answer.Content.ReadAsByteArrayAsync(context.RequestAborted);
        if (status >= 400)
        {
            Refusals.Enqueue(new Refusal(path, status, answer.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.First() : string.Empty, DateTimeOffset.UtcNow, System.Text.Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 300)))));
        }
        if (status == 200 && (path.EndsWith("Fragment.mp4", StringComparison.Ordinal) || path.EndsWith("Fragment.ts", StringComparison.Ordinal)))
        {
            Interlocked.Add(ref _fragmentBytes, bytes.Length);
            if (!path.EndsWith("getMP4InitFragment.mp4", StringComparison.Ordinal))
            {
                MediaFetches.AddOrUpdate((incoming.Query["TrackNumber"].ToString(), Convert.ToHexStringLower(SHA256.HashData(bytes))), 1, (_, n) => n + 1);
            }
        }

        context.Response.StatusCode = status;
        foreach (var header in answer.Headers.Concat(answer.Content.Headers))
        {
            if (!HopHeaders.Contains(header.Key))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }
}

/// <summary>An answer of 400 or above the origin gave, as a <see cref="CountingProxy"/> saw it.</summary>
internal sealed record Refusal(string Path, int Status, string ErrorType, DateTimeOffset At, string Body)
{
    public override string ToString() => $"{Path} {Status} at {At:HH:mm:ss.fff}: {Body}";
}
