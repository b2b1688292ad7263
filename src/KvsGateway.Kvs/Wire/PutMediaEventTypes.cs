namespace KvsGateway.Kvs.Wire;

public static class PutMediaEventTypes
{
    public const string Buffering = "BUFFERING";
    public const string Received = "RECEIVED";
    public const string Persisted = "PERSISTED";
    public const string Error = "ERROR";
    public const string Idle = "IDLE";
}
