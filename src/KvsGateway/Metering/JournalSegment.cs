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
    private long _capacity;
    private long _length;

    private JournalSegment(SafeFileHandle file, long capacity)
    {
        _file = file;
        _capacity = capacity;
        Map();
    }

    internal static JournalSegment Create(string path, long capacity)
    {
        var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
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

    internal void Append(ReadOnlySpan<byte> line)
    {
        if (_length + line.Length > _capacity)
        {
            // What is written stays in the page cache; the larger mapping goes on from it.
            Unmap();
            _capacity = Math.Max(_capacity * 2, _length + line.Length);
            Map();
        }

        line.CopyTo(new Span<byte>(_start + _length, line.Length));
        _length += line.Length;
    }

    internal void Close(bool flush)
    {
        // Unmapping hands the written pages to the page cache; the fsync below writes them.
        Unmap();
        RandomAccess.SetLength(_file, _length);
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
