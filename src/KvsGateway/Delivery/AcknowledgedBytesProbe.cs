using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace KvsGateway.Delivery;

/// <summary>
/// How many bytes of a client connection the viewer's machine has acknowledged (Linux
/// <c>TCP_INFO.tcpi_bytes_acked</c>, a running total kept by the kernel). Set against the bytes
/// Kestrel handed the transport, it tells how much of a response has truly arrived, whether the
/// rest still sits in Kestrel's output pipe, in the kernel, or was lost with this process. The probe
/// keeps its own duplicate of the socket's descriptor, so it still answers after Kestrel has closed
/// its own on the reset that ended the request.
/// </summary>
public sealed partial class AcknowledgedBytesProbe : IDisposable
{
    private const int IpProtoTcp = 6;
    private const int TcpInfo = 11;

    // tcpi_bytes_acked sits at byte 120 of struct tcp_info (Linux 4.1 and later).
    private const uint BytesAckedEnd = 128;

    // tcpi_state: TCP_CLOSE.
    private const byte TcpClose = 7;

    private readonly int _descriptor;
    private int _disposed;

    private AcknowledgedBytesProbe(int descriptor)
    {
        _descriptor = descriptor;
    }

    /// <summary>A probe of the socket, or null where the platform has no such query.</summary>
    public static AcknowledgedBytesProbe? Create(Socket? socket)
    {
        if (socket is null || !OperatingSystem.IsLinux())
        {
            return null;
        }

        var descriptor = Dup((int)socket.SafeHandle.DangerousGetHandle());
        if (descriptor < 0)
        {
            return null;
        }

        var probe = new AcknowledgedBytesProbe(descriptor);
        if (probe.Read() is null)
        {
            // A kernel older than 4.1 reports no acknowledged total.
            probe.Dispose();
            return null;
        }

        return probe;
    }

    /// <summary>Bytes acknowledged so far (a FIN counts one), or null when the query fails.</summary>
    public long? Read()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return null;
        }

        return TryRead(out var info, out var length) && length >= BytesAckedEnd ? (long)info.BytesAcked : null;
    }

    /// <summary>The connection is closed for good (reset, or its close completed): nothing more will be acknowledged.</summary>
    public bool IsClosed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return true;
        }

        return !TryRead(out var info, out _) || info.State == TcpClose;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _ = Close(_descriptor);
        }
    }

    private bool TryRead(out TcpInfoHead info, out uint length)
    {
        length = (uint)Marshal.SizeOf<TcpInfoHead>();
        return GetSockOpt(_descriptor, IpProtoTcp, TcpInfo, out info, ref length) == 0;
    }

    [StructLayout(LayoutKind.Explicit, Size = 136)]
    private struct TcpInfoHead
    {
        [FieldOffset(0)]
        public byte State;

        [FieldOffset(120)]
        public ulong BytesAcked;
    }

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int GetSockOpt(int descriptor, int level, int name, out TcpInfoHead value, ref uint length);
}
