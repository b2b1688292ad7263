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
await Task.WhenAll(players);

var latencies = record.FragmentMilliseconds.Order().ToArray();
double Percentile(double p) => latencies.Length == 0 ? 0 : latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))];
var summary = new Dictionary<string, object>
{
    ["players"] = options.Players,
    ["seconds"] = Math.Round((DateTimeOffset.UtcNow - started).TotalSeconds, 1),
    ["from"] = started.ToString("O", CultureInfo.InvariantCulture),
    ["requests"] = record.Requests,
    ["fragments"] = record.Fragments,
    ["statuses"] = record.Statuses.OrderBy(p => p.Key).ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value),
    ["bytes"] = record.Bytes,
    ["abortedBytes"] = record.AbortedBytes,
    ["abortedLength"] = record.AbortedLength,
    ["errorBytes"] = record.ErrorBytes,
    ["stalls"] = record.Stalls,
    ["sessionRefusals"] = record.SessionRefusals,
    ["errors"] = record.Errors.ToDictionary(p => p.Key, p => p.Value),
    ["fragmentP50Ms"] = Math.Round(Percentile(0.50), 1),
    ["fragmentP99Ms"] = Math.Round(Percentile(0.99), 1),
};
Console.WriteLine(JsonSerializer.Serialize(summary, PlayersJsonContext.Default.DictionaryStringObject));
return 0;
