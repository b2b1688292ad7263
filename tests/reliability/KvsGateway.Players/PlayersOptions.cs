using System.Globalization;

namespace KvsGateway.Players;

/// <summary>What a run of simulated players is: where, whose keys, which streams, how many, how long.</summary>
internal sealed record PlayersOptions(Uri Gateway, string KeyId, string Secret, IReadOnlyList<string> Streams, int Players, TimeSpan Duration, TimeSpan RampUp, double AbortShare, double SessionProbeRate)
{
    public const string Usage = "usage: KvsGateway.Players --gateway URL --key-id ID --secret SECRET --streams a,b --players N --seconds S [--ramp-up S] [--abort-share 0..1] [--session-probe-rate PER_SECOND]";

    public static PlayersOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException(Usage);
            }

            values[args[i][2..]] = args[i + 1];
        }

        string Required(string name) => values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required. {Usage}");
        double Number(string name, double fallback) => values.TryGetValue(name, out var value) ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;
        return new PlayersOptions(
            new Uri(Required("gateway")),
            Required("key-id"),
            Required("secret"),
            Required("streams").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            (int)Number("players", 10),
            TimeSpan.FromSeconds(Number("seconds", 60)),
            TimeSpan.FromSeconds(Number("ramp-up", 5)),
            Number("abort-share", 0),
            Number("session-probe-rate", 0));
    }
}
