namespace KvsGateway.Metering;

/// <summary>Set by a control-plane endpoint once its call succeeded: the stream (now known to be the caller's) and the session it opened.</summary>
public sealed record MeteredCall(string Stream, string SessionId);
