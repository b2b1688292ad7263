namespace KvsGateway.Kvs.Errors;

/// <summary>The KVS error codes, as sent in <c>x-amzn-ErrorType</c>.</summary>
public static class KvsErrorTypes
{
    public const string ResourceNotFound = "ResourceNotFoundException";
    public const string InvalidArgument = "InvalidArgumentException";
    public const string ClientLimitExceeded = "ClientLimitExceededException";
    public const string NotAuthorized = "NotAuthorizedException";
    public const string UnsupportedStreamMediaType = "UnsupportedStreamMediaTypeException";
    public const string NoDataRetention = "NoDataRetentionException";
    public const string MissingCodecPrivateData = "MissingCodecPrivateDataException";
    public const string InvalidCodecPrivateData = "InvalidCodecPrivateDataException";
    public const string InvalidMediaFrame = "InvalidMediaFrameException";
    public const string ResourceInUse = "ResourceInUseException";
    public const string InvalidEndpoint = "InvalidEndpointException";
    public const string InvalidSignature = "InvalidSignatureException";
    public const string IncompleteSignature = "IncompleteSignatureException";
    public const string MissingAuthenticationToken = "MissingAuthenticationTokenException";
    public const string UnrecognizedClient = "UnrecognizedClientException";
    public const string RequestExpired = "RequestExpired";
    public const string SerializationException = "SerializationException";
    public const string InternalFailure = "InternalFailure";
    public const string ServiceUnavailable = "ServiceUnavailableException";

    /// <summary>Namespace that AWS appends to the error type header.</summary>
    public const string Namespace = "https://kinesisvideo.amazonaws.com/doc/2017-09-30/";
}
