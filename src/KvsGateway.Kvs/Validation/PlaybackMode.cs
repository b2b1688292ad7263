namespace KvsGateway.Kvs.Validation;

public enum PlaybackMode
{
    Live,
    LiveReplay,
    OnDemand,
}
