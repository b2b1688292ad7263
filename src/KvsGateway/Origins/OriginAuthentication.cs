using KvsGateway.Kvs.Errors;

namespace KvsGateway.Origins;

/// <summary>Which origin errors mean the gateway's own credentials were refused.</summary>
public static class OriginAuthentication
{
    public static bool IsFailure(KvsException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.ErrorType is KvsErrorTypes.InvalidSignature or KvsErrorTypes.UnrecognizedClient or KvsErrorTypes.IncompleteSignature
            or KvsErrorTypes.MissingAuthenticationToken or KvsErrorTypes.RequestExpired or "AccessDeniedException";
    }
}
