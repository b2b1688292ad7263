using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Signing;
using KvsGateway.Players;

// Simulated LIVE players against a gateway (or a load balancer in front of replicas); prints one
// JSON summary of what they received. See tests/reliability/README.md.
PlayersOptions options;
try
{
    options = PlayersOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.None };
using var http = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(30) };
var control = new KvsClient(http, new KvsClientOptions { ControlEndpoint = options.Gateway, Credentials = new AwsCredentials(options.KeyId, options.Secret) }, TimeProvider.System);
var record = new PlayerRecord();
var started = DateTimeOffset.UtcNow;
var until = started + options.Duration;
using var stop = new CancellationTokenSource(options.Duration + TimeSpan.FromSeconds(30));
var players = Enumerable.Range(0, options.Players).Select(async i =>
{
    // Arrivals spread over the ramp-up, streams round robin.
    await Task.Delay(options.RampUp * i / Math.Max(1, options.Players), stop.Token);
    await new Player(control, http, record, options.Streams[i % options.Streams.Count], options.AbortShare, i).RunAsync(until, stop.Token);
});

// The probe: session URLs asked for at a steady rate throughout (as a SaaS back end hands them out),
// no player behind them; their latencies show whether the gateway keeps answering during a fault.
var probe = Task.Run(async () =>
{
    if (options.SessionProbeRate <= 0)
    {
        return;
    }

    var asks = new List<Task>();
    using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / options.SessionProbeRate));
    for (var i = 0; DateTimeOffset.UtcNow < until && await timer.WaitForNextTickAsync(stop.Token); i++)
    {
        var at = record.Now;
        var latencies = new ConcurrentBag<double>();
        asks.Add(Player.OpenSessionAsync(control, record, options.Streams[i % options.Streams.Count], latencies, stop.Token).ContinueWith(
            _ =>
            {
                foreach (var ms in latencies)
                {
                    record.ProbeMilliseconds.Add(ms);
                    record.Probes.Add((Math.Round(at, 1), Math.Round(ms, 1)));
                }
            },
            TaskScheduler.Default));
    }

    await Task.WhenAll(asks);
});
await Task.WhenAll(players.Append(probe));

static double Percentile(IEnumerable<double> values, double p)
{
    var sorted = values.Order().ToArray();
    return sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))], 1);
}

var summary = new Dictionary<string, object>
{
    ["players"] = options.Players,
    ["seconds"] = Math.Round((DateTimeOffset.UtcNow - started).TotalSeconds, 1),
    ["from"] = started.ToString("O", CultureInfo.InvariantCulture),
    ["requests"] = record.Requests,
    ["fragments"] = record.Fragments,
    ["statuses"] = record.Statuses.OrderBy(p => p.Key).ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value),
    ["bytes"] = record.Bytes,
    ["bytesByKind"] = record.BytesByKind.ToDictionary(p => p.Key, p => p.Value),
    ["abortedBytes"] = record.AbortedBytes,
    ["abortedLength"] = record.AbortedLength,
    ["errorBytes"] = record.ErrorBytes,
    ["stalls"] = record.Stalls,
    ["sessionRefusals"] = record.SessionRefusals,
    ["errors"] = record.Errors.ToDictionary(p => p.Key, p => p.Value),
    ["fragmentP50Ms"] = Percentile(record.FragmentMilliseconds, 0.50),
    ["fragmentP99Ms"] = Percentile(record.FragmentMilliseconds, 0.99),
    ["sessionUrlP99Ms"] = Percentile(record.SessionUrlMilliseconds, 0.99),
    ["probes"] = record.ProbeMilliseconds.Count,
    ["probeP50Ms"] = Percentile(record.ProbeMilliseconds, 0.50),
    ["probeP99Ms"] = Percentile(record.ProbeMilliseconds, 0.99),
    ["nonKvsErrors"] = record.NonKvsErrors,
    ["slowestErrorMs"] = Math.Round(record.SlowestErrorMilliseconds, 1),
    ["stallSeconds"] = record.StallSeconds.Order().Take(200).ToArray(),

    // Each playback error and stall with its session's age, to tell new sessions from playing ones.
    ["events"] = record.Events.OrderBy(e => e.At).Take(1000).ToArray(),

    // [start s, latency ms] of every answered probe, for latencies within a fault's window.
    ["probeLatencies"] = record.Probes.OrderBy(p => p.At).Select(p => new[] { p.At, p.Milliseconds }).ToArray(),
};
Console.WriteLine(JsonSerializer.Serialize(summary, PlayersJsonContext.Default.DictionaryStringObject));
return 0;
