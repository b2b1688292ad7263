using System.Globalization;
using KvsGateway.Ingest;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Signing;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.Commands;

/// <summary>
/// <c>ingest --stream NAME FILE [--endpoint URL] [--create] [--retention HOURS] [--realtime] [--loop]</c>:
/// pushes a Matroska file into KVS (or the emulator) through PutMedia and prints every ACK.
/// </summary>
public static class IngestCommand
{
    public const string Usage = "usage: KvsGateway ingest --stream NAME FILE [--endpoint URL] [--region REGION] [--create] [--retention HOURS] [--realtime] [--loop]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        string? stream = null, file = null, endpoint = "http://127.0.0.1:8081", region = "us-east-1";
        bool create = false, realtime = false, loop = false;
        var retention = 24;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--stream" when i + 1 < args.Length: stream = args[++i]; break;
                case "--endpoint" when i + 1 < args.Length: endpoint = args[++i]; break;
                case "--region" when i + 1 < args.Length: region = args[++i]; break;
                case "--retention" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out retention): i++; break;
                case "--create": create = true; break;
                case "--realtime": realtime = true; break;
                case "--loop": loop = true; break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal) || file is not null)
                    {
                        await output.WriteLineAsync(Usage).ConfigureAwait(false);
                        return 2;
                    }

                    file = args[i];
                    break;
            }
        }

        if (stream is null || file is null || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        var credentials = new AwsCredentials(
            Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") ?? "AKIDKVSGWINGEST",
            Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") ?? "emulator-accepts-any-secret",
            Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN"));
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var client = new KvsClient(http, new KvsClientOptions { ControlEndpoint = uri, Region = region, Credentials = credentials }, TimeProvider.System);
        try
        {
            if (create)
            {
                try
                {
                    await client.CreateStreamAsync(new CreateStreamInput { StreamName = stream, DataRetentionInHours = retention }, cancellationToken).ConfigureAwait(false);
                    await output.WriteLineAsync($"created stream {stream} ({retention} h retention)").ConfigureAwait(false);
                }
                catch (KvsException ex) when (ex.ErrorType == KvsErrorTypes.ResourceInUse)
                {
                    await output.WriteLineAsync($"stream {stream} exists").ConfigureAwait(false);
                }
            }

            var ingest = new MediaFileIngest(client, TimeProvider.System);
            var failed = false;
            var persisted = await ingest.RunAsync(stream, file, realtime, loop, ack =>
            {
                failed |= ack.EventType == PutMediaEventTypes.Error;
                output.WriteLine(ack.EventType == PutMediaEventTypes.Error
                    ? $"{ack.EventType} {ack.ErrorId} {ack.ErrorMessage}"
                    : $"{ack.EventType} timecode={ack.FragmentTimecode} {ack.FragmentNumber}");
            }, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"{persisted} fragments persisted").ConfigureAwait(false);
            return failed ? 1 : 0;
        }
        catch (KvsException ex)
        {
            await output.WriteLineAsync($"{ex.ErrorType}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
    }
}
