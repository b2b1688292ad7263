using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Signing;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.Kvs.Client;

/// <summary>
/// Our typed client of the KVS API (the AWS SDK for .NET's archived-media package is not available):
/// SigV4-signed JSON calls, data endpoints from GetDataEndpoint cached per stream and API, and KVS
/// error replies turned back into <see cref="KvsException"/>.
/// </summary>
public sealed class KvsClient
{
    private const string Service = "kinesisvideo";
    private const int MaxErrorBodyBytes = 64 * 1024;

    private readonly HttpClient _http;
    private readonly KvsClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Stream, string Api), (Uri Endpoint, DateTimeOffset Until)> _endpoints = new();

    public KvsClient(HttpClient http, KvsClientOptions options, TimeProvider time)
    {
        _http = http;
        _options = options;
        _time = time;
    }

    public KvsClientOptions Options => _options;

    public Task<CreateStreamOutput> CreateStreamAsync(CreateStreamInput input, CancellationToken cancellationToken = default) =>
        SendAsync(_options.ControlEndpoint, "/createStream", input, KvsJsonContext.Default.CreateStreamInput, KvsJsonContext.Default.CreateStreamOutput, cancellationToken);

    public Task<DescribeStreamOutput> DescribeStreamAsync(DescribeStreamInput input, CancellationToken cancellationToken = default) =>
        SendAsync(_options.ControlEndpoint, "/describeStream", input, KvsJsonContext.Default.DescribeStreamInput, KvsJsonContext.Default.DescribeStreamOutput, cancellationToken);

    public Task<EmptyOutput> DeleteStreamAsync(DeleteStreamInput input, CancellationToken cancellationToken = default) =>
        SendAsync(_options.ControlEndpoint, "/deleteStream", input, KvsJsonContext.Default.DeleteStreamInput, KvsJsonContext.Default.EmptyOutput, cancellationToken);

    public Task<ListStreamsOutput> ListStreamsAsync(ListStreamsInput input, CancellationToken cancellationToken = default) =>
        SendAsync(_options.ControlEndpoint, "/listStreams", input, KvsJsonContext.Default.ListStreamsInput, KvsJsonContext.Default.ListStreamsOutput, cancellationToken);

    public Task<EmptyOutput> UpdateDataRetentionAsync(UpdateDataRetentionInput input, CancellationToken cancellationToken = default) =>
        SendAsync(_options.ControlEndpoint, "/updateDataRetention", input, KvsJsonContext.Default.UpdateDataRetentionInput, KvsJsonContext.Default.EmptyOutput, cancellationToken);

    /// <summary>The data endpoint for one stream and API, from the cache while it is fresh.</summary>
    public async Task<Uri> GetDataEndpointAsync(string? streamName, string? streamArn, string apiName, CancellationToken cancellationToken = default)
    {
        var key = (streamArn ?? streamName ?? string.Empty, apiName);
        var now = _time.GetUtcNow();
        if (_endpoints.TryGetValue(key, out var cached) && cached.Until > now)
        {
            return cached.Endpoint;
        }

        var input = new GetDataEndpointInput { StreamName = streamName, StreamARN = streamArn, APIName = apiName };
        var output = await SendAsync(_options.ControlEndpoint, "/getDataEndpoint", input, KvsJsonContext.Default.GetDataEndpointInput, KvsJsonContext.Default.GetDataEndpointOutput, cancellationToken).ConfigureAwait(false);
        if (!Uri.TryCreate(output.DataEndpoint, UriKind.Absolute, out var endpoint))
        {
            throw new KvsException(KvsErrorTypes.InternalFailure, 502, "GetDataEndpoint returned no usable endpoint.");
        }

        _endpoints[key] = (endpoint, now + _options.DataEndpointCacheDuration);
        return endpoint;
    }

    public async Task<GetDashStreamingSessionUrlOutput> GetDashStreamingSessionUrlAsync(GetDashStreamingSessionUrlInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var endpoint = await GetDataEndpointAsync(input.StreamName, input.StreamARN, ApiNames.GetDashStreamingSessionUrl, cancellationToken).ConfigureAwait(false);
        return await SendAsync(endpoint, "/getDASHStreamingSessionURL", input, KvsJsonContext.Default.GetDashStreamingSessionUrlInput, KvsJsonContext.Default.GetDashStreamingSessionUrlOutput, cancellationToken).ConfigureAwait(false);
    }

    public async Task<GetHlsStreamingSessionUrlOutput> GetHlsStreamingSessionUrlAsync(GetHlsStreamingSessionUrlInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var endpoint = await GetDataEndpointAsync(input.StreamName, input.StreamARN, ApiNames.GetHlsStreamingSessionUrl, cancellationToken).ConfigureAwait(false);
        return await SendAsync(endpoint, "/getHLSStreamingSessionURL", input, KvsJsonContext.Default.GetHlsStreamingSessionUrlInput, KvsJsonContext.Default.GetHlsStreamingSessionUrlOutput, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// GetClip: the origin's answer once its headers are in, its MP4 body still to be read (the
    /// caller disposes it). <see cref="KvsClientOptions.RequestTimeout"/> bounds the wait for the headers only.
    /// </summary>
    public async Task<HttpResponseMessage> GetClipAsync(GetClipInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var endpoint = await GetDataEndpointAsync(input.StreamName, input.StreamARN, ApiNames.GetClip, cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        var response = await SendRawAsync(endpoint, "/getClip", input, KvsJsonContext.Default.GetClipInput, cancellationToken, timeout.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await ReadErrorAsync(response, timeout.Token).ConfigureAwait(false);
            }
        }

        return response;
    }

    public async Task<ListFragmentsOutput> ListFragmentsAsync(ListFragmentsInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var endpoint = await GetDataEndpointAsync(input.StreamName, input.StreamARN, ApiNames.ListFragments, cancellationToken).ConfigureAwait(false);
        return await SendAsync(endpoint, "/listFragments", input, KvsJsonContext.Default.ListFragmentsInput, KvsJsonContext.Default.ListFragmentsOutput, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Uploads Matroska through PutMedia and yields the ACK events as the service sends them, while the upload goes on.</summary>
    public async IAsyncEnumerable<PutMediaAck> PutMediaAsync(PutMediaRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var endpoint = await GetDataEndpointAsync(request.StreamName, null, ApiNames.PutMedia, cancellationToken).ConfigureAwait(false);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, "/putMedia"));
        message.Headers.TryAddWithoutValidation("x-amzn-stream-name", request.StreamName);
        message.Headers.TryAddWithoutValidation("x-amzn-fragment-timecode-type", request.FragmentTimecodeType);
        if (request.ProducerStartTimestamp is { } start)
        {
            message.Headers.TryAddWithoutValidation(
                "x-amzn-producer-start-timestamp",
                (start.ToUnixTimeMilliseconds() / 1000m).ToString("0.###", CultureInfo.InvariantCulture));
        }

        message.Content = new ByteArrayContent([]);
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        SigV4Signer.Sign(message, SigV4.UnsignedPayload, _options.Credentials, _options.Region, Service, _time.GetUtcNow());
        message.Content.Headers.ContentLength = null;

        var connection = await PutMediaConnection.OpenAsync(message.RequestUri!, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var upload = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await connection.SendHeadAsync(message, cancellationToken).ConfigureAwait(false);
            var sending = connection.SendBodyAsync(request.Body, upload.Token);
            try
            {
                var (status, headers) = await connection.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
                if (status != 200)
                {
                    using var error = new HttpResponseMessage((HttpStatusCode)status);
                    using var body = new MemoryStream();
                    await foreach (var chunk in connection.ReadBodyAsync(headers, cancellationToken).ConfigureAwait(false))
                    {
                        body.Write(chunk.Span);
                        if (body.Length > MaxErrorBodyBytes)
                        {
                            break;
                        }
                    }

                    error.Content = new ByteArrayContent(body.ToArray());
                    foreach (var (name, value) in headers)
                    {
                        error.Headers.TryAddWithoutValidation(name, value);
                    }

                    throw await ReadErrorAsync(error, cancellationToken).ConfigureAwait(false);
                }

                var pending = new List<byte>();
                await foreach (var chunk in connection.ReadBodyAsync(headers, cancellationToken).ConfigureAwait(false))
                {
                    pending.AddRange(chunk.Span);
                    int newline;
                    while ((newline = pending.IndexOf((byte)'\n')) >= 0)
                    {
                        var line = pending.GetRange(0, newline).ToArray();
                        pending.RemoveRange(0, newline + 1);
                        if (line.Length > 0 && JsonSerializer.Deserialize(line, KvsJsonContext.Default.PutMediaAck) is { } ack)
                        {
                            yield return ack;
                        }
                    }
                }
            }
            finally
            {
                await upload.CancelAsync().ConfigureAwait(false);
                try
                {
                    await sending.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                {
                    // The service ended the exchange (an ERROR ACK, or the consumer stopped): the upload stops with it.
                }
            }
        }
    }

    /// <summary>Turns a non-success KVS reply into the typed error it names.</summary>
    public static async Task<KvsException> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var status = (int)response.StatusCode;
        string? type = null;
        if (response.Headers.TryGetValues("x-amzn-ErrorType", out var values))
        {
            type = values.FirstOrDefault()?.Split(':')[0];
        }

        KvsErrorBody? body = null;
        byte[] bytes;
        try
        {
            bytes = await ReadBoundedAsync(response.Content, MaxErrorBodyBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            // The status and the error-type header already arrived: a body that does not (an origin
            // that hung or dropped the connection after its headers) leaves the error what they say,
            // instead of an exception no caller expects from reading an error.
            bytes = [];
        }

        if (bytes.Length > 0 && bytes[0] == (byte)'{')
        {
            try
            {
                body = JsonSerializer.Deserialize(bytes, KvsErrorJsonContext.Default.KvsErrorBody);
            }
            catch (JsonException)
            {
                body = null;
            }
        }

        type ??= body?.Type?.Split('#')[^1] ?? body?.Code;
        var message = body?.Message ?? body?.LowerMessage;
        if (type is null)
        {
            // Not a KVS error (a proxy page, a crash): report it as KVS reports its own failures.
            return new KvsException(status >= 500 ? KvsErrorTypes.ServiceUnavailable : KvsErrorTypes.InternalFailure, status >= 500 ? 503 : 500, $"The origin answered HTTP {status}.");
        }

        return new KvsException(type, status, message ?? type);
    }

    private async Task<TOutput> SendAsync<TInput, TOutput>(Uri endpoint, string path, TInput input, JsonTypeInfo<TInput> inputType, JsonTypeInfo<TOutput> outputType, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        using var response = await SendRawAsync(endpoint, path, input, inputType, cancellationToken, timeout.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ReadErrorAsync(response, timeout.Token).ConfigureAwait(false);
        }

        try
        {
            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(stream, outputType, timeout.Token).ConfigureAwait(false)
                    ?? throw new KvsException(KvsErrorTypes.InternalFailure, 502, "The KVS origin sent an empty reply.");
            }
        }
        catch (Exception ex) when (ex is IOException || ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Headers came, the body stalled or broke off: the same answer as an origin not reached.
            throw new KvsException(KvsErrorTypes.ServiceUnavailable, 503, "The KVS origin could not be reached.");
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync<TInput>(Uri endpoint, string path, TInput input, JsonTypeInfo<TInput> inputType, CancellationToken cancellationToken, CancellationToken timeout)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(input, inputType);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, path));
        message.Content = new ByteArrayContent(body);
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        SigV4Signer.Sign(message, SigV4.HashHex(body), _options.Credentials, _options.Region, Service, _time.GetUtcNow());
        try
        {
            return await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new KvsException(KvsErrorTypes.ServiceUnavailable, 503, "The KVS origin could not be reached.");
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[limit];
            var total = 0;
            int read;
            while (total < limit && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return buffer[..total];
        }
    }
}
