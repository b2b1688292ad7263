namespace KvsGateway.Kvs.Client;

/// <summary>A PutMedia upload: the Matroska body and the headers that describe it.</summary>
public sealed class PutMediaRequest
{
    public required string StreamName { get; init; }

    public required Stream Body { get; init; }

    /// <summary><c>ABSOLUTE</c> or <c>RELATIVE</c>.</summary>
    public string FragmentTimecodeType { get; init; } = "RELATIVE";

    public DateTimeOffset? ProducerStartTimestamp { get; init; }
}
