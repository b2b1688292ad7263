using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace KvsGateway.Manifests;

/// <summary>
/// An origin manifest rewritten once for every viewer with the same display flags: the rewritten
/// bytes split where the viewer's token goes. Serving a viewer is writing the parts with its token
/// between them, no XML work per request.
/// </summary>
public sealed class ManifestTemplate
{
    private readonly byte[][] _parts;

    private ManifestTemplate(byte[][] parts)
    {
        _parts = parts;
    }

    /// <summary>Splits <paramref name="rewritten"/> (written with <paramref name="marker"/> as the token) at each marker.</summary>
    public static ManifestTemplate Split(ReadOnlySpan<byte> rewritten, string marker)
    {
        ArgumentNullException.ThrowIfNull(marker);
        var needle = Encoding.ASCII.GetBytes(marker);
        var parts = new List<byte[]>();
        while (true)
        {
            var at = rewritten.IndexOf(needle);
            if (at < 0)
            {
                parts.Add(rewritten.ToArray());
                return new ManifestTemplate([.. parts]);
            }

            parts.Add(rewritten[..at].ToArray());
            rewritten = rewritten[(at + needle.Length)..];
        }
    }

    /// <summary>The length of the manifest for a token of <paramref name="tokenLength"/> UTF-8 bytes.</summary>
    public long Length(int tokenLength)
    {
        long length = (long)(_parts.Length - 1) * tokenLength;
        foreach (var part in _parts)
        {
            length += part.Length;
        }

        return length;
    }

    /// <summary>Writes the manifest with <paramref name="token"/> (URL- and XML-safe, as the gateway's tokens are) in each place.</summary>
    public void WriteTo(PipeWriter writer, ReadOnlySpan<byte> token)
    {
        ArgumentNullException.ThrowIfNull(writer);
        for (var i = 0; i < _parts.Length; i++)
        {
            if (i > 0)
            {
                writer.Write(token);
            }

            writer.Write(_parts[i]);
        }
    }
}
