using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KvsGateway.Health;

/// <summary>
/// One probe's last result, kept for <see cref="MaxAge"/> and shared by every caller meanwhile; only
/// one probe runs at a time. However often <c>/readyz</c> is asked, Redis and the origin see at most
/// one probe each per interval, so a readiness endpoint cannot be turned into origin API calls.
/// </summary>
public sealed class HealthResultCache
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private Task<HealthCheckResult>? _current;
    private DateTimeOffset _startedAt = DateTimeOffset.MinValue;

    public HealthResultCache(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>The cached result when fresh, else the result of one new run of <paramref name="probe"/>.</summary>
    public Task<HealthCheckResult> GetAsync(Func<Task<HealthCheckResult>> probe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        Task<HealthCheckResult> current;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_current is null || (_current.IsCompleted && now - _startedAt >= MaxAge))
            {
                // The probe bounds itself; one caller giving up must not cancel it for the others.
                _current = probe();
                _startedAt = now;
            }

            current = _current;
        }

        return current.WaitAsync(cancellationToken);
    }
}
