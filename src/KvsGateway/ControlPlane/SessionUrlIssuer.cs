using KvsGateway.Auditing;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;
using KvsGateway.Origins;
using KvsGateway.Quotas;
using KvsGateway.Sessions;
using KvsGateway.Tenancy;
using KvsGateway.Tokens;

namespace KvsGateway.ControlPlane;

/// <summary>
/// GetDASHStreamingSessionURL through the gateway: the shared validator, the tenant's scope, an
/// origin session that always carries <c>kvs:ts</c> and <c>kvs:fn</c>, the session in Redis, and a
/// token of our own.
/// </summary>
public sealed partial class SessionUrlIssuer
{
    private readonly KvsClient _origin;
    private readonly SessionStore _sessions;
    private readonly SessionTokenService _tokens;
    private readonly TenantQuotas _quotas;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionUrlIssuer> _logger;

    public SessionUrlIssuer(KvsClient origin, SessionStore sessions, SessionTokenService tokens, TenantQuotas quotas, AuditLog audit, TimeProvider time, ILogger<SessionUrlIssuer> logger)
    {
        _origin = origin;
        _sessions = sessions;
        _tokens = tokens;
        _quotas = quotas;
        _audit = audit;
        _time = time;
        _logger = logger;
    }

    /// <summary>A session for the tenant's request; <paramref name="requestId"/> goes into its audit record.</summary>
    public async Task<(string Token, PlaybackSession Session)> IssueAsync(Tenant tenant, GetDashStreamingSessionUrlInput input, string requestId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(input);
        var now = _time.GetUtcNow();
        var parameters = DashSessionRequestValidator.Validate(input, now);
        StreamScope.Require(tenant, parameters.Stream);
        TenantPolicy.Require(tenant, parameters);
        await _quotas.RequireSessionUrlAsync(tenant, parameters.Stream.Name, requestId).ConfigureAwait(false);

        var originInput = new GetDashStreamingSessionUrlInput
        {
            StreamName = input.StreamName,
            StreamARN = input.StreamARN,
            PlaybackMode = parameters.PlaybackMode.ToWire(),
            DisplayFragmentTimestamp = WireValues.Always,
            DisplayFragmentNumber = WireValues.Always,
            DashFragmentSelector = input.DashFragmentSelector,
            Expires = parameters.ExpiresSeconds,
            MaxManifestFragmentResults = parameters.MaxManifestFragmentResults,
        };
        GetDashStreamingSessionUrlOutput origin;
        try
        {
            origin = await _origin.GetDashStreamingSessionUrlAsync(originInput, cancellationToken).ConfigureAwait(false);
        }
        catch (KvsException ex) when (OriginAuthentication.IsFailure(ex))
        {
            // The gateway's own credentials were refused: a server fault, not the caller's signature.
            LogOriginRefusedCredentials(_logger, ex.ErrorType);
            throw new KvsException(KvsErrorTypes.ServiceUnavailable, 503, "The gateway could not authenticate to its media origin.");
        }
        if (!Uri.TryCreate(origin.DashStreamingSessionUrl, UriKind.Absolute, out _))
        {
            throw new KvsException(KvsErrorTypes.InternalFailure, 500, "The origin returned no session URL.");
        }

        var session = new PlaybackSession
        {
            SessionId = SessionStore.NewSessionId(),
            Tenant = tenant.Name,
            StreamName = parameters.Stream.Name,
            StreamArn = parameters.Stream.StreamArn,
            PlaybackMode = parameters.PlaybackMode,
            FragmentSelectorType = parameters.SelectorKind.ToWire(),
            StartTimestamp = parameters.StartTimestamp,
            EndTimestamp = parameters.EndTimestamp,
            DisplayFragmentTimestamp = parameters.DisplayFragmentTimestamp,
            DisplayFragmentNumber = parameters.DisplayFragmentNumber,
            OriginSessionUrl = origin.DashStreamingSessionUrl!,
            CreatedAt = now,
            ExpiresAt = now.AddSeconds(parameters.ExpiresSeconds),
        };
        await _quotas.OpenSessionAsync(tenant, session, requestId).ConfigureAwait(false);
        await _sessions.SaveAsync(session).ConfigureAwait(false);
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
        return (_tokens.Issue(new SessionTokenClaims(session.SessionId, tenant.Name, session.ExpiresAt)), session);
    }

    [LoggerMessage(2, LogLevel.Error, "The origin refused the gateway's credentials ({ErrorType}); check Origin:AccessKeyId and Origin:SecretAccessKey")]
    private static partial void LogOriginRefusedCredentials(ILogger logger, string errorType);

    [LoggerMessage(1, LogLevel.Information, "Session {SessionId} created for tenant {Tenant}, stream {Stream}, mode {Mode}")]
    private static partial void LogSessionCreated(ILogger logger, string sessionId, string tenant, string stream, string mode);
}
