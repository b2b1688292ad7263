namespace KvsGateway.OriginConnections;

/// <summary>A request sent and its answer's head read; the body is still on <see cref="Connection"/>.</summary>
public readonly record struct OriginExchange(OriginConnection Connection, OriginResponseHead Head);
