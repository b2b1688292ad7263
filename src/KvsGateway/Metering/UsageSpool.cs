using System.Text;
using System.Text.Json;

namespace KvsGateway.Metering;

/// <summary>
/// Batches that could not reach Redis, appended one JSON line each and flushed to disk before the
/// batch's journal segment is deleted. Replayed in order once Redis answers; replay is idempotent,
/// so the file is emptied only after every batch in it is applied.
/// </summary>
public sealed class UsageSpool
{
    private readonly string _path;

    public UsageSpool(string folder)
    {
        _path = Path.Combine(folder, "spool.jsonl");
    }

    public string FilePath => _path;

    public bool HasBatches => File.Exists(_path) && new FileInfo(_path).Length > 0;

    public async Task AppendAsync(UsageBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var line = JsonSerializer.SerializeToUtf8Bytes(batch.ToDocument(), MeteringJsonContext.Default.UsageBatchDocument);
        await using var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.Asynchronous);
        await stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);

        // Durable before the journal segment that also holds these counts is deleted.
        stream.Flush(flushToDisk: true);
    }

    /// <summary>The spooled batches in the order they were written; a torn last line is skipped.</summary>
    public async Task<IReadOnlyList<UsageBatch>> ReadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_path))
        {
            return [];
        }

        var batches = new List<UsageBatch>();
        foreach (var line in await File.ReadAllLinesAsync(_path, Encoding.UTF8, cancellationToken).ConfigureAwait(false))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize(line, MeteringJsonContext.Default.UsageBatchDocument) is { } document)
                {
                    batches.Add(UsageBatch.FromDocument(document));
                }
            }
            catch (JsonException)
            {
                // Only the last line can be torn (a kill mid-append); its batch is still in its journal segment.
            }
        }

        return batches;
    }

    public void Clear() => File.Delete(_path);
}
