using System.Security.Cryptography;
using System.Text;
using KvsGateway.Kvs.Errors;
using Microsoft.Extensions.Options;

namespace KvsGateway.Admin;

/// <summary>Checks the admin bearer token, comparing in constant time against every configured token.</summary>
public sealed class AdminAuthorization : IEndpointFilter
{
    private readonly IOptionsMonitor<AdminOptions> _options;

    public AdminAuthorization(IOptionsMonitor<AdminOptions> options)
    {
        _options = options;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(header[7..].Trim()) : [];
        var allowed = false;
        foreach (var token in _options.CurrentValue.Tokens)
        {
            // Hashing first makes every comparison the same length, so timing says nothing about the token.
            allowed |= token.Length > 0 && CryptographicOperations.FixedTimeEquals(SHA256.HashData(presented), SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        }

        if (!allowed)
        {
            throw KvsException.NotAuthorized("The admin API needs a valid bearer token.", 401);
        }

        return await next(context).ConfigureAwait(false);
    }
}
