using KvsGateway.Auditing;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;
using KvsGateway.Sessions;
using KvsGateway.Tenancy;
using StackExchange.Redis;

namespace KvsGateway.Quotas;

/// <summary>
/// A tenant's limits, enforced across replicas: call rates per stream, playback rates per session,
/// concurrent sessions and the monthly byte budget. Exceeding one answers
/// <c>ClientLimitExceededException</c> with <c>Retry-After</c>. Should Redis fail, rate limits let
/// the request through (playback must not stop for a counter); the failure is logged.
/// </summary>
public sealed partial class TenantQuotas
{
    private readonly SharedRateWindows _rates;
    private readonly LocalRateWindow _localRates;
    private readonly ConcurrentSessions _sessions;
    private readonly MonthlyBytes _monthlyBytes;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;
    private readonly ILogger<TenantQuotas> _logger;

    public TenantQuotas(SharedRateWindows rates, LocalRateWindow localRates, ConcurrentSessions sessions, MonthlyBytes monthlyBytes, AuditLog audit, TimeProvider time, ILogger<TenantQuotas> logger)
    {
        _rates = rates;
        _localRates = localRates;
        _sessions = sessions;
        _monthlyBytes = monthlyBytes;
        _audit = audit;
        _time = time;
        _logger = logger;
    }

    /// <summary>One GetDataEndpoint call on the stream; <paramref name="requestId"/> goes into an audit record should it be refused.</summary>
    public Task RequireDataEndpointAsync(Tenant tenant, string stream, string requestId)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return RequireRateAsync(QuotaKeys.TenantRate(tenant.Name, "data-endpoint", stream), tenant.Definition.DataEndpointsPerStreamPerSecond, nameof(TenantDefinition.DataEndpointsPerStreamPerSecond), tenant.Name, stream, null, requestId);
    }

    public async Task RequireSessionUrlAsync(Tenant tenant, string stream, string requestId)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        await RequireRateAsync(QuotaKeys.TenantRate(tenant.Name, "session-url", stream), tenant.Definition.SessionUrlsPerStreamPerSecond, nameof(TenantDefinition.SessionUrlsPerStreamPerSecond), tenant.Name, stream, null, requestId).ConfigureAwait(false);
        await RequireBudgetAsync(tenant, stream, null, requestId).ConfigureAwait(false);
    }

    /// <summary>A GetClip call: its bytes count against the tenant's monthly budget as playback bytes do.</summary>
    public Task RequireClipAsync(Tenant tenant, string stream, string requestId)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return RequireBudgetAsync(tenant, stream, null, requestId);
    }

    /// <summary>Takes one of the tenant's concurrent-session slots for the new session.</summary>
    public async Task OpenSessionAsync(Tenant tenant, PlaybackSession session, string requestId, IDatabaseAsync? batch = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(session);
        if (!await _sessions.TryOpenAsync(tenant.Name, session.StreamName, session.SessionId, session.ExpiresAt, tenant.Definition.MaxConcurrentSessions, batch).ConfigureAwait(false))
        {
            throw Rejected(nameof(TenantDefinition.MaxConcurrentSessions), tenant.Name, session.StreamName, null, requestId,
                $"This account already has {tenant.Definition.MaxConcurrentSessions} open sessions, its maximum.", retryAfterSeconds: null);
        }
    }

    public async Task RequirePlaybackAsync(Tenant tenant, PlaybackSession session, string api, string requestId)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(session);
        var rates = tenant.Definition.PlaybackRates;
        var (limit, kvsLimit, name) = api switch
        {
            KvsOperations.GetDashManifest or KvsOperations.GetHlsMasterPlaylist or KvsOperations.GetHlsMediaPlaylist => (rates.ManifestsPerSecond, PlaybackRates.KvsManifestsPerSecond, nameof(PlaybackRates.ManifestsPerSecond)),
            KvsOperations.GetMp4InitFragment => (rates.InitFragmentsPerSecond, PlaybackRates.KvsInitFragmentsPerSecond, nameof(PlaybackRates.InitFragmentsPerSecond)),
            _ => (rates.MediaFragmentsPerSecond, PlaybackRates.KvsMediaFragmentsPerSecond, nameof(PlaybackRates.MediaFragmentsPerSecond)),
        };

        // Viewers share origin sessions and cached fragments, so the origin no longer sees (or limits)
        // one viewer's requests: the gateway holds each session to its rates itself. A tenant limit
        // below KVS's is counted in Redis across replicas; KVS's own in this replica's memory, so the
        // default path costs no Redis call.
        if (limit < kvsLimit)
        {
            await RequireRateAsync(QuotaKeys.SessionRate(session.SessionId, api), limit, name, tenant.Name, session.StreamName, session.SessionId, requestId).ConfigureAwait(false);
        }
        else if (!_localRates.TryTake(session.SessionId, api, limit))
        {
            throw Rejected(name, tenant.Name, session.StreamName, session.SessionId, requestId, $"The rate limit ({limit} per second) for this call has been exceeded.", retryAfterSeconds: 1);
        }

        await RequireBudgetAsync(tenant, session.StreamName, session.SessionId, requestId).ConfigureAwait(false);
    }

    private async Task RequireRateAsync(string key, int limit, string quota, string tenant, string stream, string? sessionId, string requestId)
    {
        bool allowed;
        try
        {
            allowed = await _rates.TryTakeAsync(key, 1, limit, _time.GetUtcNow().ToUnixTimeSeconds()).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogCounterUnavailable(_logger, ex, quota);
            return;
        }

        if (!allowed)
        {
            throw Rejected(quota, tenant, stream, sessionId, requestId, $"The rate limit ({limit} per second) for this call has been exceeded.", retryAfterSeconds: 1);
        }
    }

    private async Task RequireBudgetAsync(Tenant tenant, string stream, string? sessionId, string requestId)
    {
        if (tenant.Definition.MonthlyOutgoingBytesBudget is not { } budget)
        {
            return;
        }

        long used;
        try
        {
            used = await _monthlyBytes.GetAsync(tenant.Name).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogCounterUnavailable(_logger, ex, nameof(TenantDefinition.MonthlyOutgoingBytesBudget));
            return;
        }

        if (used >= budget)
        {
            var now = _time.GetUtcNow();
            var nextMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
            throw Rejected(nameof(TenantDefinition.MonthlyOutgoingBytesBudget), tenant.Name, stream, sessionId, requestId,
                "This account has used its outgoing bytes budget for the month.", (int)Math.Ceiling((nextMonth - now).TotalSeconds));
        }
    }

    private KvsException Rejected(string quota, string tenant, string stream, string? sessionId, string requestId, string message, int? retryAfterSeconds)
    {
        _audit.Write(new AuditEvent
        {
            Time = _time.GetUtcNow(),
            Event = AuditEvents.QuotaRejected,
            Tenant = tenant,
            Stream = stream,
            SessionId = sessionId,
            RequestId = requestId,
            Reason = quota,
        });
        return new KvsException(KvsErrorTypes.ClientLimitExceeded, 400, message) { RetryAfterSeconds = retryAfterSeconds };
    }

    [LoggerMessage(1, LogLevel.Warning, "The quota counter for {Quota} is unavailable; the request is let through")]
    private static partial void LogCounterUnavailable(ILogger logger, Exception exception, string quota);
}
