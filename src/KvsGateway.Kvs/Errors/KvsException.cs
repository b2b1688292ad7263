namespace KvsGateway.Kvs.Errors;

/// <summary>A KVS error: the type (<c>x-amzn-ErrorType</c>), the HTTP status and the message.</summary>
public sealed class KvsException : Exception
{
    public KvsException(string errorType, int statusCode, string message)
        : base(message)
    {
        ErrorType = errorType;
        StatusCode = statusCode;
    }

    public KvsException()
        : this(KvsErrorTypes.InternalFailure, 500, "Internal failure.")
    {
    }

    public KvsException(string message)
        : this(KvsErrorTypes.InternalFailure, 500, message)
    {
    }

    public KvsException(string message, Exception innerException)
        : base(message, innerException)
    {
        ErrorType = KvsErrorTypes.InternalFailure;
        StatusCode = 500;
    }

    public string ErrorType { get; }

    public int StatusCode { get; }

    /// <summary>Seconds a throttled client should wait, when known.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>
    /// The same KVS error as a new exception, for another request: one failure shared by many
    /// waiters (a cache fill, a manifest fetch) is thrown once per request, never one object on many.
    /// </summary>
    public KvsException Copy() => new(ErrorType, StatusCode, Message) { RetryAfterSeconds = RetryAfterSeconds };

    public static KvsException InvalidArgument(string message) => new(KvsErrorTypes.InvalidArgument, 400, message);

    public static KvsException ResourceNotFound(string message) => new(KvsErrorTypes.ResourceNotFound, 404, message);

    public static KvsException ClientLimitExceeded(string message) => new(KvsErrorTypes.ClientLimitExceeded, 400, message);

    /// <summary>Signed API calls answer 401; playback GETs with a bad token answer 403.</summary>
    public static KvsException NotAuthorized(string message, int statusCode = 401) => new(KvsErrorTypes.NotAuthorized, statusCode, message);

    public static KvsException ResourceInUse(string message) => new(KvsErrorTypes.ResourceInUse, 400, message);

    /// <summary>What an unexpected failure answers: KVS's own words, nothing of the failure itself.</summary>
    public static KvsException Unexpected() => new("The service encountered an internal error. Try again.");
}
