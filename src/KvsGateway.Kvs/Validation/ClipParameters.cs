namespace KvsGateway.Kvs.Validation;

/// <summary>A GetClip request after validation: the stream and a closed range on the selector's clock.</summary>
public sealed record ClipParameters(StreamIdentity Stream, FragmentSelectorKind SelectorKind, DateTimeOffset StartTimestamp, DateTimeOffset EndTimestamp);
