namespace KvsGateway.Media.Matroska;

/// <summary>
/// Where one cluster's block bytes are kept: a few arrays that grow as bytes really arrive (never
/// by what a size field announces), each block a slice of one of them. A block costs no array of
/// its own, so the memory a cluster holds is its bytes plus at most as much again in slack.
/// </summary>
internal sealed class ClusterPayload
{
    private const int FirstChunk = 256;
    private const int LargestChunk = 1 << 20;

    private byte[] _chunk = [];
    private int _used;

    /// <summary>A slice of <paramref name="size"/> bytes that stays valid for the life of the cluster.</summary>
    public Memory<byte> Reserve(int size)
    {
        if (_chunk.Length - _used < size)
        {
            var next = Math.Clamp(_chunk.Length * 2, FirstChunk, LargestChunk);
            _chunk = new byte[Math.Max(size, next)];
            _used = 0;
        }

        var slice = _chunk.AsMemory(_used, size);
        _used += size;
        return slice;
    }
}
