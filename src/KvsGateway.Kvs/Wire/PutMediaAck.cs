namespace KvsGateway.Kvs.Wire;

/// <summary>One line of a PutMedia response.</summary>
public sealed class PutMediaAck
{
    public string? EventType { get; set; }

    public long? FragmentTimecode { get; set; }

    public string? FragmentNumber { get; set; }

    public int? ErrorId { get; set; }

    public string? ErrorMessage { get; set; }
}
