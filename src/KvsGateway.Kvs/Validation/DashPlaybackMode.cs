namespace KvsGateway.Kvs.Validation;

public enum DashPlaybackMode
{
    Live,
    LiveReplay,
    OnDemand,
}
