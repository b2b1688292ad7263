using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KvsGateway.Kvs.Validation;

namespace KvsGateway.OriginSessions;

/// <summary>
/// What makes two viewers' origin requests the same: the protocol (for HLS also its container and
/// discontinuity mode), the stream as named, playback mode, selector type and range, the fragment
/// limit of a manifest or playlist (the origin is always asked for <c>kvs:ts</c> and
/// <c>kvs:fn</c>, or HLS program date-times, so the viewers' display flags do not matter). LIVE_REPLAY is paced by the origin
/// from the moment its session is created, so its viewers share only within the same second.
/// The origin itself (endpoint, region, the gateway's access key) is part of the key: deployments
/// sharing a Redis, or one moved to another origin, never join each other's sessions. The key's text
/// is a hash: nothing a caller typed becomes part of a Redis key.
/// </summary>
public sealed record OriginSessionKey(string Hash)
{
    public static OriginSessionKey For(string origin, PlaybackSessionParameters parameters, DateTimeOffset now)
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
            parameters.MaxFragmentResults.ToString(CultureInfo.InvariantCulture),
            parameters.PlaybackMode == PlaybackMode.LiveReplay ? now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : string.Empty);

        // HLS sessions are a protocol, container and discontinuity placement of their own; a DASH key's text is as it always was.
        if (parameters is HlsSessionParameters hls)
        {
            text = string.Join('\n', text, "HLS", hls.ContainerFormat.ToWire(), hls.DiscontinuityMode.ToWire());
        }

        return new OriginSessionKey(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32]);
    }

    private static string Format(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) ?? string.Empty;
}
