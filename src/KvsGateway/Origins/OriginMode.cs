namespace KvsGateway.Origins;

public enum OriginMode
{
    /// <summary>The emulator, started inside this process.</summary>
    Embedded,

    /// <summary>An emulator (or any KVS-compatible service) at <see cref="OriginOptions.Endpoint"/>.</summary>
    Remote,

    /// <summary>Amazon Kinesis Video Streams in <see cref="OriginOptions.Region"/>.</summary>
    Aws,
}
