namespace KvsGateway.Origins;

/// <summary>Told when a request finds an origin session's own budget (manifests, init or media fragments per second) spent.</summary>
public interface IOriginSessionSpentObserver
{
    /// <summary>Called at most a few times a second per origin session, on the request's thread: it must not block.</summary>
    void OnSessionSpent(string pool, string originSessionId);
}
