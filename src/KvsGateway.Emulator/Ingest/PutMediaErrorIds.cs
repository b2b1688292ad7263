using KvsGateway.Media.Matroska;

namespace KvsGateway.Emulator.Ingest;

/// <summary>The <c>ErrorId</c> values of PutMedia ERROR acknowledgements, as KVS numbers them.</summary>
public static class PutMediaErrorIds
{
    public const int StreamReadError = 4000;
    public const int MaxFragmentSizeReached = 4001;
    public const int MaxFragmentDurationReached = 4002;
    public const int FragmentTimecodeLesserThanPrevious = 4004;
    public const int InvalidMkvData = 4006;
    public const int InvalidProducerTimestamp = 4007;
    public const int InternalError = 5000;
    public const int ArchivalError = 5001;

    public static int For(MatroskaError error) => error switch
    {
        MatroskaError.FragmentTooLarge => MaxFragmentSizeReached,
        MatroskaError.FragmentTooLong => MaxFragmentDurationReached,
        MatroskaError.TimecodeWentBackwards => FragmentTimecodeLesserThanPrevious,
        MatroskaError.Truncated => StreamReadError,
        _ => InvalidMkvData,
    };
}
