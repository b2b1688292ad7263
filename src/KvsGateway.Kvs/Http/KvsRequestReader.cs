using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using KvsGateway.Kvs.Errors;
using Microsoft.AspNetCore.Http;

namespace KvsGateway.Kvs.Http;

/// <summary>Reads the bounded JSON body of a KVS API call; bad JSON answers as AWS does.</summary>
public static class KvsRequestReader
{
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Reads the whole body (needed anyway to verify a SigV4 payload hash).</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > MaxBodyBytes)
        {
            throw KvsException.InvalidArgument($"The request body exceeds {MaxBodyBytes} bytes.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw KvsException.InvalidArgument($"The request body exceeds {MaxBodyBytes} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public static T Deserialize<T>(ReadOnlySpan<byte> body, JsonTypeInfo<T> typeInfo)
        where T : new()
    {
        if (body.IsEmpty)
        {
            return new T();
        }

        try
        {
            return JsonSerializer.Deserialize(body, typeInfo) ?? new T();
        }
        catch (JsonException)
        {
            throw new KvsException(KvsErrorTypes.SerializationException, 400, "The request body is not valid JSON for this operation.");
        }
    }

    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : new()
    {
        var body = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
        return Deserialize(body, typeInfo);
    }
}
