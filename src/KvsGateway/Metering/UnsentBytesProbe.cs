using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace KvsGateway.Metering;

/// <summary>
/// How many bytes the kernel still holds unacknowledged for a client connection (Linux
/// <c>SIOCOUTQ</c>: written minus acknowledged). When a viewer aborts mid-body, subtracting them
/// from what the gateway wrote gives the bytes the viewer's machine actually received. The probe
/// keeps its own duplicate of the socket's descriptor, so it still answers after Kestrel has closed
/// its own on the reset that ended the request.
/// </summary>
public sealed partial class UnsentBytesProbe : IDisposable
{
    private const nuint SiocOutQ = 0x5411;

    private readonly int _descriptor;
    private int _disposed;

    private UnsentBytesProbe(int descriptor)
    {
        _descriptor = descriptor;
    }

    /// <summary>A probe of the socket, or null where the platform has no such query.</summary>
    public static UnsentBytesProbe? Create(Socket? socket)
    {
        if (socket is null || !OperatingSystem.IsLinux())
        {
            return null;
        }

        var descriptor = Dup((int)socket.SafeHandle.DangerousGetHandle());
        return descriptor < 0 ? null : new UnsentBytesProbe(descriptor);
    }

    /// <summary>Unacknowledged bytes now, or null when the query fails.</summary>
    public int? Read() => Volatile.Read(ref _disposed) == 0 && IoctlInt(_descriptor, SiocOutQ, out var value) == 0 ? value : null;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _ = Close(_descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoctlInt(int descriptor, nuint request, out int value);
}
