namespace KvsGateway.Origins;

/// <summary>
/// Whom <see cref="OriginBudget"/> tells that an origin session's own window is spent: an observer
/// and the pool key the session belongs to. A struct, so the fragment path allocates nothing for it.
/// </summary>
public readonly record struct SpentNotice(IOriginSessionSpentObserver? Observer, string? Pool, string? OriginSessionId = null)
{
    internal SpentNotice For(string originSessionId) => this with { OriginSessionId = originSessionId };

    internal void Tell()
    {
        if (Observer is not null && Pool is not null && OriginSessionId is not null)
        {
            Observer.OnSessionSpent(Pool, OriginSessionId);
        }
    }
}
