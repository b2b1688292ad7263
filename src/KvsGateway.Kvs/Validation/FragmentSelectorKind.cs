namespace KvsGateway.Kvs.Validation;

public enum FragmentSelectorKind
{
    ServerTimestamp,
    ProducerTimestamp,
}
