using KvsGateway.Kvs.Http;
using KvsGateway.Kvs.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace KvsGateway.Emulator.Hosting;

/// <summary>
/// With <see cref="EmulatorOptions.RequireSignature"/>, every KVS API call must carry a valid SigV4
/// signature from a configured key, so a client that signs for AWS is tested for real. PutMedia may
/// sign its streaming body as UNSIGNED-PAYLOAD, as KVS producers do.
/// </summary>
public sealed class SignatureVerificationMiddleware
{
    private readonly RequestDelegate _next;
    private readonly EmulatorOptions _options;
    private readonly SigV4Verifier _verifier;

    public SignatureVerificationMiddleware(RequestDelegate next, IOptions<EmulatorOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _next = next;
        _options = options.Value;
        _verifier = new SigV4Verifier(time);
    }

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_options.RequireSignature || !HttpMethods.IsPost(context.Request.Method))
        {
            await _next(context).ConfigureAwait(false);
            return;
        }

        var streaming = context.Request.Path.Equals("/putMedia", StringComparison.Ordinal);
        byte[] body = [];
        if (!streaming)
        {
            body = await KvsRequestReader.ReadBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
            context.Request.Body = new MemoryStream(body, writable: false);
        }

        _verifier.Verify(context.Request, body, id => _options.Credentials.GetValueOrDefault(id), allowUnsignedPayload: streaming);
        await _next(context).ConfigureAwait(false);
    }
}
