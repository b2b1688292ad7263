using KvsGateway.Kvs.Errors;

namespace KvsGateway.Kvs.Http;

/// <summary>
/// Turns a failure of a dependency the host knows (and this library does not) into the KVS error a
/// client should see, e.g. a store that is unreachable into a retryable <c>ServiceUnavailableException</c>.
/// Registered in the host's services; <see cref="KvsErrorMiddleware"/> and <see cref="KvsErrorFilter"/> ask each.
/// </summary>
public interface IKvsErrorTranslator
{
    /// <summary>The KVS error for <paramref name="exception"/>, or null when it is not this translator's.</summary>
    KvsException? Translate(Exception exception);
}
