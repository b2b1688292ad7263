using KvsGateway.Auditing;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.OriginSessions;
using KvsGateway.Quotas;
using KvsGateway.Sessions;
using KvsGateway.Tenancy;
using KvsGateway.Tokens;
using StackExchange.Redis;

namespace KvsGateway.ControlPlane;

/// <summary>
/// GetDASHStreamingSessionURL and GetHLSStreamingSessionURL through the gateway: the shared
/// validator, the tenant's scope, an origin session from the pool (shared with every viewer asking
/// the origin the same; it always carries <c>kvs:ts</c> and <c>kvs:fn</c>, or HLS program
/// date-times), the viewer's own session in Redis, and a token of our own.
/// </summary>
public sealed partial class SessionUrlIssuer
{
    private readonly OriginSessionPool _pool;
    private readonly IConnectionMultiplexer _redis;
    private readonly SessionStore _sessions;
    private readonly SessionTokenService _tokens;
    private readonly TenantQuotas _quotas;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionUrlIssuer> _logger;

    public SessionUrlIssuer(OriginSessionPool pool, IConnectionMultiplexer redis, SessionStore sessions, SessionTokenService tokens, TenantQuotas quotas, AuditLog audit, TimeProvider time, ILogger<SessionUrlIssuer> logger)
    {
        _pool = pool;
        _redis = redis;
        _sessions = sessions;
        _tokens = tokens;
        _quotas = quotas;
        _audit = audit;
        _time = time;
        _logger = logger;
    }

    /// <summary>A DASH session for the tenant's request; <paramref name="requestId"/> goes into its audit record.</summary>
    public Task<(string Token, PlaybackSession Session)> IssueAsync(Tenant tenant, GetDashStreamingSessionUrlInput input, string requestId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var parameters = SessionRequestValidator.ValidateDash(input, _time.GetUtcNow());
        var origin = OriginSessionRequest.For(new GetDashStreamingSessionUrlInput
        {
            StreamName = input.StreamName,
            StreamARN = input.StreamARN,
            PlaybackMode = parameters.PlaybackMode.ToWire(),
            DisplayFragmentTimestamp = WireValues.Always,
            DisplayFragmentNumber = WireValues.Always,
            DashFragmentSelector = input.DashFragmentSelector,
            MaxManifestFragmentResults = parameters.MaxFragmentResults,
        });
        return IssueAsync(tenant, parameters, origin, PlaybackProtocol.Dash, parameters.DisplayFragmentNumber, requestId, cancellationToken);
    }

    /// <summary>An HLS session for the tenant's request; the origin is always asked for program date-times, kept only for viewers who asked.</summary>
    public Task<(string Token, PlaybackSession Session)> IssueAsync(Tenant tenant, GetHlsStreamingSessionUrlInput input, string requestId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var parameters = SessionRequestValidator.ValidateHls(input, _time.GetUtcNow());
        var origin = OriginSessionRequest.For(new GetHlsStreamingSessionUrlInput
        {
            StreamName = input.StreamName,
            StreamARN = input.StreamARN,
            PlaybackMode = parameters.PlaybackMode.ToWire(),
            ContainerFormat = parameters.ContainerFormat.ToWire(),
            DiscontinuityMode = parameters.DiscontinuityMode.ToWire(),
            DisplayFragmentTimestamp = WireValues.Always,
            HlsFragmentSelector = input.HlsFragmentSelector,
            MaxMediaPlaylistFragmentResults = parameters.MaxFragmentResults,
        });
        return IssueAsync(tenant, parameters, origin, PlaybackProtocol.Hls, false, requestId, cancellationToken);
    }

    private async Task<(string Token, PlaybackSession Session)> IssueAsync(Tenant tenant, PlaybackSessionParameters parameters, OriginSessionRequest originRequest, PlaybackProtocol protocol, bool displayFragmentNumber, string requestId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var now = _time.GetUtcNow();
        StreamScope.Require(tenant, parameters.Stream);
        TenantPolicy.Require(tenant, parameters);
        await _quotas.RequireSessionUrlAsync(tenant, parameters.Stream.Name, requestId).ConfigureAwait(false);

        var expiresAt = now.AddSeconds(parameters.ExpiresSeconds);
        var origin = await _pool.AcquireAsync(parameters, originRequest, expiresAt, cancellationToken).ConfigureAwait(false);

        var session = new PlaybackSession
        {
            SessionId = SessionStore.NewSessionId(),
            Tenant = tenant.Name,
            StreamName = parameters.Stream.Name,
            StreamArn = parameters.Stream.StreamArn,
            PlaybackMode = parameters.PlaybackMode,
            Protocol = protocol,
            FragmentSelectorType = parameters.SelectorKind.ToWire(),
            StartTimestamp = parameters.StartTimestamp,
            EndTimestamp = parameters.EndTimestamp,
            DisplayFragmentTimestamp = parameters.DisplayFragmentTimestamp,
            DisplayFragmentNumber = displayFragmentNumber,
            OriginSessionUrl = origin.Url,
            OriginSessionId = origin.Id,
            OriginPool = origin.Pool,
            OriginExpiresAt = origin.ExpiresAt,
            MaxManifestFragmentResults = parameters.MaxFragmentResults,
            CreatedAt = now,
            ExpiresAt = expiresAt,
        };
        await OpenAndSaveAsync(tenant, session, requestId).ConfigureAwait(false);
        LogSessionCreated(_logger, session.SessionId, tenant.Name, session.StreamName, session.PlaybackMode.ToWire());
        await _audit.RecordAsync(new AuditEvent
        {
            Time = now,
            Event = AuditEvents.SessionCreated,
            Tenant = tenant.Name,
            Stream = session.StreamName,
            SessionId = session.SessionId,
            RequestId = requestId,
            PlaybackMode = session.PlaybackMode.ToWire(),
        }, cancellationToken).ConfigureAwait(false);
        return (_tokens.Issue(new SessionTokenClaims(session.SessionId, tenant.Name, session.ExpiresAt, session.StreamName)), session);
    }

    /// <summary>
    /// The tenant's concurrent-session slot and the session record, sent to Redis together (one
    /// write, one round trip). The record is unreachable until its token is issued, so when the slot
    /// is refused it is simply deleted again.
    /// </summary>
    private async Task OpenAndSaveAsync(Tenant tenant, PlaybackSession session, string requestId)
    {
        var batch = _redis.GetDatabase().CreateBatch();
        var open = _quotas.OpenSessionAsync(tenant, session, requestId, batch);
        var save = _sessions.SaveAsync(session, batch);
        batch.Execute();
        try
        {
            await open.ConfigureAwait(false);
        }
        catch
        {
            try
            {
                await save.ConfigureAwait(false);
                await _sessions.DeleteAsync(session.SessionId).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Then the record expires on its own; no token names it.
            }

            throw;
        }

        await save.ConfigureAwait(false);
    }

    [LoggerMessage(1, LogLevel.Information, "Session {SessionId} created for tenant {Tenant}, stream {Stream}, mode {Mode}")]
    private static partial void LogSessionCreated(ILogger logger, string sessionId, string tenant, string stream, string mode);
}
