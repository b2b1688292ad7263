using System.Buffers.Binary;
using System.Security.Cryptography;

namespace KvsGateway.Kvs.Errors;

/// <summary>
/// Request ids in the form AWS gives them (a version-4-shaped UUID), made without a system call:
/// <see cref="Guid.NewGuid"/> reads the kernel's random source once per request, one syscall on
/// every fragment. A request id is an echo for logs and support, never a secret or a credential,
/// so a random per-process half and a counter are enough: unique within the process, and across
/// replicas unless two draw the same 60 random bits.
/// </summary>
internal static class RequestIds
{
    private static readonly ulong Prefix = (BinaryPrimitives.ReadUInt64BigEndian(RandomNumberGenerator.GetBytes(8)) & 0xFFFFFFFF_FFFF0FFFUL) | 0x00000000_00004000UL;
    private static long _counter = RandomNumberGenerator.GetInt32(int.MaxValue);

    /// <summary>The next id, e.g. <c>1f0c9a52-7e3b-4d10-8000-00000000a3c1</c>.</summary>
    public static string Next()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, Prefix);
        // RFC 4122 variant (10xx) in the counter's top bits.
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], ((ulong)Interlocked.Increment(ref _counter) & 0x3FFFFFFF_FFFFFFFFUL) | 0x80000000_00000000UL);
        return new Guid(bytes, bigEndian: true).ToString();
    }
}
