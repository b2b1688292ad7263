using System.Diagnostics.CodeAnalysis;
using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace KvsGateway.Metering;

/// <summary>A journal segment: its file, mapped shared into memory, and how much of it is written.</summary>
internal sealed unsafe class JournalSegment
{
    private readonly SafeFileHandle _file;
    private MemoryMappedFile _map;
    private MemoryMappedViewAccessor _view;
    private byte* _start;
    private readonly long _capacity;
    private long _length;

    private JournalSegment(SafeFileHandle file, long capacity)
    {
        _file = file;
        _capacity = capacity;
        Map();
    }

    internal static JournalSegment Create(string path, long capacity)
    {
        // The disk space is taken now: a write into a mapped page the file system cannot back is a
        // SIGBUS, where a full disk must be an error here, as a write(2) would have been.
        var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, FileOptions.None, capacity);
        try
        {
            return new JournalSegment(file, capacity);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Appends <paramref name="line"/>; false when it does not fit what the segment has room for.</summary>
    internal bool TryAppend(ReadOnlySpan<byte> line)
    {
        if (_start is null || _length + line.Length > _capacity)
        {
            return false;
        }

        line.CopyTo(new Span<byte>(_start + _length, line.Length));
        _length += line.Length;
        return true;
    }

    /// <summary>Ends appends: the mapping goes (its pages stay in the page cache) and the file is cut to what was written.</summary>
    internal void Finish()
    {
        if (_start is not null)
        {
            Unmap();
            RandomAccess.SetLength(_file, _length);
        }
    }

    /// <summary>Finishes the segment and closes it, first flushing it to disk when <paramref name="flush"/>.</summary>
    internal void Close(bool flush)
    {
        Finish();
        if (flush)
        {
            RandomAccess.FlushToDisk(_file);
        }

        _file.Dispose();
    }

    [MemberNotNull(nameof(_map), nameof(_view))]
    private void Map()
    {
        _map = MemoryMappedFile.CreateFromFile(_file, null, _capacity, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
        _view = _map.CreateViewAccessor(0, _capacity, MemoryMappedFileAccess.ReadWrite);
        byte* start = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        _start = start + _view.PointerOffset;
    }

    private void Unmap()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
        _start = null;
    }
}
