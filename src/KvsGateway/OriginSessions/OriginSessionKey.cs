using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KvsGateway.Kvs.Validation;

namespace KvsGateway.OriginSessions;

/// <summary>
/// What makes two viewers' origin requests the same: the stream as named, playback mode, selector
/// type and range, MaxManifestFragmentResults (the origin is always asked for <c>kvs:ts</c> and
/// <c>kvs:fn</c>, so the viewers' display flags do not matter). LIVE_REPLAY is paced by the origin
/// from the moment its session is created, so its viewers share only within the same second.
/// The origin itself (endpoint, region, the gateway's access key) is part of the key: deployments
/// sharing a Redis, or one moved to another origin, never join each other's sessions. The key's text
/// is a hash: nothing a caller typed becomes part of a Redis key.
/// </summary>
public sealed record OriginSessionKey(string Hash)
{
    public static OriginSessionKey For(string origin, DashSessionParameters parameters, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var text = string.Join(
            '\n',
            origin,
            parameters.Stream.StreamName ?? string.Empty,
            parameters.Stream.StreamArn ?? string.Empty,
            parameters.PlaybackMode.ToWire(),
            parameters.SelectorKind.ToWire(),
            Format(parameters.StartTimestamp),
            Format(parameters.EndTimestamp),
            parameters.MaxManifestFragmentResults.ToString(CultureInfo.InvariantCulture),
            parameters.PlaybackMode == DashPlaybackMode.LiveReplay ? now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : string.Empty);
        return new OriginSessionKey(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32]);
    }

    private static string Format(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) ?? string.Empty;
}
