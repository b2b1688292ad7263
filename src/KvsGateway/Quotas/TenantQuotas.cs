using KvsGateway.Auditing;
using KvsGateway.Kvs.Errors;
using KvsGateway.Playback;
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
    private readonly RateWindow _rates;
    private readonly ConcurrentSessions _sessions;
    private readonly MonthlyBytes _monthlyBytes;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;
    private readonly ILogger<TenantQuotas> _logger;

    public TenantQuotas(RateWindow rates, ConcurrentSessions sessions, MonthlyBytes monthlyBytes, AuditLog audit, TimeProvider time, ILogger<TenantQuotas> logger)
    {
        _rates = rates;
        _sessions = sessions;
        _monthlyBytes = monthlyBytes;
        _audit = audit;
        _time = time;
        _logger = logger;
    }

    public Task RequireDataEndpointAsync(Tenant tenant, string stream, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return RequireRateAsync(RedisKeys.TenantRate(tenant.Name, "data-endpoint", stream), tenant.Definition.DataEndpointsPerStreamPerSecond, nameof(TenantDefinition.DataEndpointsPerStreamPerSecond), tenant.Name, stream, null, context);
    }

    public async Task RequireSessionUrlAsync(Tenant tenant, string stream, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        await RequireRateAsync(RedisKeys.TenantRate(tenant.Name, "session-url", stream), tenant.Definition.SessionUrlsPerStreamPerSecond, nameof(TenantDefinition.SessionUrlsPerStreamPerSecond), tenant.Name, stream, null, context).ConfigureAwait(false);
        await RequireBudgetAsync(tenant, stream, null, context).ConfigureAwait(false);
    }

    /// <summary>Takes one of the tenant's concurrent-session slots for the new session.</summary>
    public async Task OpenSessionAsync(Tenant tenant, PlaybackSession session, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(session);
        if (!await _sessions.TryOpenAsync(tenant.Name, session.StreamName, session.SessionId, session.ExpiresAt, tenant.Definition.MaxConcurrentSessions).ConfigureAwait(false))
        {
            throw Rejected(nameof(TenantDefinition.MaxConcurrentSessions), tenant.Name, session.StreamName, null, context,
                $"This account already has {tenant.Definition.MaxConcurrentSessions} open sessions, its maximum.", retryAfterSeconds: null);
        }
    }

    public async Task RequirePlaybackAsync(Tenant tenant, PlaybackSession session, string api, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(session);
        var rates = tenant.Definition.PlaybackRates;
        var (limit, kvsLimit, name) = api switch
        {
            PlaybackApi.GetDashManifest => (rates.ManifestsPerSecond, PlaybackRates.KvsManifestsPerSecond, nameof(PlaybackRates.ManifestsPerSecond)),
            PlaybackApi.GetMp4InitFragment => (rates.InitFragmentsPerSecond, PlaybackRates.KvsInitFragmentsPerSecond, nameof(PlaybackRates.InitFragmentsPerSecond)),
            _ => (rates.MediaFragmentsPerSecond, PlaybackRates.KvsMediaFragmentsPerSecond, nameof(PlaybackRates.MediaFragmentsPerSecond)),
        };

        // Each gateway session is exactly one origin session, and the origin holds every session to
        // KVS's own rates across all replicas. Only a tenant limit below them needs our shared
        // counter, so the default path costs no Redis call.
        if (limit < kvsLimit)
        {
            await RequireRateAsync(RedisKeys.SessionRate(session.SessionId, api), limit, name, tenant.Name, session.StreamName, session.SessionId, context).ConfigureAwait(false);
        }

        await RequireBudgetAsync(tenant, session.StreamName, session.SessionId, context).ConfigureAwait(false);
    }

    private async Task RequireRateAsync(string key, int limit, string quota, string tenant, string stream, string? sessionId, HttpContext context)
    {
        bool allowed;
        try
        {
            allowed = await _rates.TryTakeAsync(key, limit).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogCounterUnavailable(_logger, ex, quota);
            return;
        }

        if (!allowed)
        {
            throw Rejected(quota, tenant, stream, sessionId, context, $"The rate limit ({limit} per second) for this call has been exceeded.", retryAfterSeconds: 1);
        }
    }

    private async Task RequireBudgetAsync(Tenant tenant, string stream, string? sessionId, HttpContext context)
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
            throw Rejected(nameof(TenantDefinition.MonthlyOutgoingBytesBudget), tenant.Name, stream, sessionId, context,
                "This account has used its outgoing bytes budget for the month.", (int)Math.Ceiling((nextMonth - now).TotalSeconds));
        }
    }

    private KvsException Rejected(string quota, string tenant, string stream, string? sessionId, HttpContext context, string message, int? retryAfterSeconds)
    {
        _audit.Write(new AuditEvent
        {
            Time = _time.GetUtcNow(),
            Event = AuditEvents.QuotaRejected,
            Tenant = tenant,
            Stream = stream,
            SessionId = sessionId,
            RequestId = KvsErrorResponder.GetRequestId(context),
            Reason = quota,
        });
        return new KvsException(KvsErrorTypes.ClientLimitExceeded, 400, message) { RetryAfterSeconds = retryAfterSeconds };
    }

    [LoggerMessage(1, LogLevel.Warning, "The quota counter for {Quota} is unavailable; the request is let through")]
    private static partial void LogCounterUnavailable(ILogger logger, Exception exception, string quota);
}
