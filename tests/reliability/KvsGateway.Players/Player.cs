using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;
using KvsGateway.Kvs.Client;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.Players;

/// <summary>
/// One simulated LIVE viewer: a session with its tenant's keys, its manifest read once a second, each
/// newly listed segment (and each track's init segment once) fetched once, everything recorded. A
/// segment not received whole within its own duration of being listed is a stall.
/// </summary>
internal sealed class Player
{
    private static readonly XNamespace Mpd = "urn:mpeg:dash:schema:mpd:2011";

    private readonly KvsClient _control;
    private readonly HttpClient _http;
    private readonly PlayerRecord _record;
    private readonly string _stream;
    private readonly double _abortShare;
    private readonly Random _random;
    private readonly HashSet<string> _fetched = new(StringComparer.Ordinal);

    /// <summary>When this player's session was issued, seconds from the start of the run.</summary>
    private double _sessionStarted;

    public Player(KvsClient control, HttpClient http, PlayerRecord record, string stream, double abortShare, int seed)
    {
        _control = control;
        _http = http;
        _record = record;
        _stream = stream;
        _abortShare = abortShare;
        _random = new Random(seed);
    }

    public async Task RunAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        Uri? manifest = null;
        while (manifest is null && DateTimeOffset.UtcNow < until)
        {
            manifest = await OpenSessionAsync(_control, _record, _stream, _record.SessionUrlMilliseconds, cancellationToken);
            _sessionStarted = _record.Now;
            if (manifest is null)
            {
                // Refused (e.g. while no Redis master holds the slot): recorded, tried again.
                await Task.Delay(1000, cancellationToken);
            }
        }

        while (manifest is not null && DateTimeOffset.UtcNow < until)
        {
            var tick = Stopwatch.StartNew();
            var text = await GetTextAsync(manifest, cancellationToken);
            if (text is not null)
            {
                await FetchNewSegmentsAsync(manifest, text, cancellationToken);
            }

            var wait = TimeSpan.FromSeconds(1) - tick.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }
        }
    }

    /// <summary>A LIVE session URL for <paramref name="stream"/>, its latency added to <paramref name="latencies"/>; null when refused.</summary>
    public static async Task<Uri?> OpenSessionAsync(KvsClient control, PlayerRecord record, string stream, ConcurrentBag<double> latencies, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        try
        {
            var output = await control.GetDashStreamingSessionUrlAsync(new GetDashStreamingSessionUrlInput { StreamName = stream, PlaybackMode = "LIVE", Expires = 3600 }, cancellationToken);
            latencies.Add(started.Elapsed.TotalMilliseconds);
            return new Uri(output.DashStreamingSessionUrl!);
        }
        catch (KvsException ex)
        {
            // KvsClient words an answer without a KVS error type (a proxy's page) this way.
            record.ErrorAnswer(started.Elapsed, kvs: !ex.Message.StartsWith("The origin answered HTTP", StringComparison.Ordinal));
            record.SessionRefused($"session {ex.StatusCode} {ex.ErrorType}");
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            record.ErrorAnswer(started.Elapsed, kvs: false);
            record.SessionRefused("session timeout");
            return null;
        }
    }

    private async Task FetchNewSegmentsAsync(Uri manifest, string text, CancellationToken cancellationToken)
    {
        XDocument document;
        try
        {
            document = XDocument.Parse(text);
        }
        catch (System.Xml.XmlException)
        {
            _record.Error("manifest not XML", _sessionStarted);
            return;
        }

        foreach (var template in document.Descendants(Mpd + "SegmentTemplate"))
        {
            var timescale = double.Parse((string?)template.Attribute("timescale") ?? "1", CultureInfo.InvariantCulture);
            var number = long.Parse((string?)template.Attribute("startNumber") ?? "1", CultureInfo.InvariantCulture);
            var media = (string?)template.Attribute("media");
            var init = (string?)template.Attribute("initialization");
            if (init is not null && _fetched.Add(init))
            {
                await FetchAsync(new Uri(manifest, init), TimeSpan.FromSeconds(2), fragment: false, cancellationToken);
            }

            foreach (var s in template.Descendants(Mpd + "S"))
            {
                var duration = TimeSpan.FromSeconds(double.Parse((string?)s.Attribute("d") ?? "0", CultureInfo.InvariantCulture) / timescale);
                var repeats = int.Parse((string?)s.Attribute("r") ?? "0", CultureInfo.InvariantCulture);
                for (var i = 0; i <= repeats; i++, number++)
                {
                    var url = media!.Replace("$Number$", number.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
                    if (_fetched.Add(url))
                    {
                        await FetchAsync(new Uri(manifest, url), duration, fragment: true, cancellationToken);
                    }
                }
            }
        }
    }

    private async Task<string?> GetTextAsync(Uri url, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        try
        {
            using var response = await _http.GetAsync(url, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            _record.Response((int)response.StatusCode, body.Length, aborted: false);
            _record.Received("manifest", body.Length);
            if (!response.IsSuccessStatusCode)
            {
                _record.ErrorAnswer(started.Elapsed, IsKvsError(response));
                _record.Error($"manifest {(int)response.StatusCode} {ErrorType(response)}", _sessionStarted);
                return null;
            }

            return System.Text.Encoding.UTF8.GetString(body);
        }
        catch (HttpRequestException ex)
        {
            _record.ErrorAnswer(started.Elapsed, kvs: false);
            _record.Error($"manifest {ex.HttpRequestError}", _sessionStarted);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The client's own timeout: the gateway never answered.
            _record.ErrorAnswer(started.Elapsed, kvs: false);
            _record.Error("manifest timeout", _sessionStarted);
            return null;
        }
    }

    private async Task FetchAsync(Uri url, TimeSpan duration, bool fragment, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var hangUp = fragment && _abortShare > 0 && _random.NextDouble() < _abortShare;
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var length = response.Content.Headers.ContentLength ?? -1;
            long received = 0;
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                received += read;
                if (hangUp && length > 0 && received >= length / 2)
                {
                    // Hangs up mid-fragment: the response is disposed with its body half read.
                    _record.Response((int)response.StatusCode, received, aborted: true);
                    _record.HungUp(length);
                    return;
                }
            }

            _record.Response((int)response.StatusCode, received, aborted: false);
            _record.Received(fragment ? "media" : "init", received);
            if (!response.IsSuccessStatusCode)
            {
                _record.ErrorAnswer(started.Elapsed, IsKvsError(response));
            }

            if (!response.IsSuccessStatusCode || (length >= 0 && received != length))
            {
                _record.Error($"{(fragment ? "fragment" : "init")} {(int)response.StatusCode} {ErrorType(response)}{(length >= 0 && received != length ? " short" : string.Empty)}", _sessionStarted);
                if (fragment)
                {
                    _record.Stall(_sessionStarted);
                }

                return;
            }

            if (fragment)
            {
                _record.Fragment(started.Elapsed.TotalMilliseconds);
                if (started.Elapsed > duration)
                {
                    _record.Stall(_sessionStarted);
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A connection that failed or a body cut short (IOException), or the client's own timeout.
            _record.ErrorAnswer(started.Elapsed, kvs: false);
            _record.Error($"{(fragment ? "fragment" : "init")} {(ex is OperationCanceledException ? "timeout" : ex.GetType().Name)}", _sessionStarted);
            if (fragment)
            {
                _record.Stall(_sessionStarted);
            }
        }
    }

    private static bool IsKvsError(HttpResponseMessage response) => response.Headers.Contains("x-amzn-ErrorType");

    private static string ErrorType(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.First().Split(':')[0] : string.Empty;
}
