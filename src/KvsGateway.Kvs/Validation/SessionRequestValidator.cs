using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.Kvs.Validation;

/// <summary>
/// The rules of GetDASHStreamingSessionURL, GetHLSStreamingSessionURL and GetClip that need no
/// stream data. The emulator and the gateway both call this one validator, so they answer a bad
/// request the same way; the selector, range, mode and expiry rules are one code path for all.
/// </summary>
public static class SessionRequestValidator
{
    public const int MinExpires = 300;
    public const int MaxExpires = 43_200;
    public const int DefaultExpires = 300;
    public const int MaxFragmentResults = 5000;
    public static readonly TimeSpan MaxRange = TimeSpan.FromHours(24);

    public static DashSessionParameters ValidateDash(GetDashStreamingSessionUrlInput input, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(input);
        var stream = StreamIdentity.Parse(input.StreamName, input.StreamARN);
        var mode = ParseMode(input.PlaybackMode);
        var displayTimestamp = ParseDisplay(input.DisplayFragmentTimestamp, "displayFragmentTimestamp");
        var displayNumber = ParseDisplay(input.DisplayFragmentNumber, "displayFragmentNumber");
        var (kind, start, end) = ParseSelector(input.DashFragmentSelector, "DASHFragmentSelector", "dASHFragmentSelector", mode, now);
        var expires = ParseExpires(input.Expires);
        var maxResults = ParseMaxResults(input.MaxManifestFragmentResults, mode, "maxManifestFragmentResults");
        return new DashSessionParameters
        {
            Stream = stream,
            PlaybackMode = mode,
            DisplayFragmentTimestamp = displayTimestamp,
            DisplayFragmentNumber = displayNumber,
            SelectorKind = kind,
            StartTimestamp = start,
            EndTimestamp = end,
            ExpiresSeconds = expires,
            MaxFragmentResults = maxResults,
        };
    }

    public static HlsSessionParameters ValidateHls(GetHlsStreamingSessionUrlInput input, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(input);
        var stream = StreamIdentity.Parse(input.StreamName, input.StreamARN);
        var mode = ParseMode(input.PlaybackMode);
        var container = input.ContainerFormat switch
        {
            null or "FRAGMENTED_MP4" => HlsContainerFormat.FragmentedMp4,
            "MPEG_TS" => HlsContainerFormat.MpegTs,
            var other => throw KvsValidation.ConstraintViolation(other, "containerFormat", "Member must satisfy enum value set: [FRAGMENTED_MP4, MPEG_TS]"),
        };
        var displayTimestamp = ParseDisplay(input.DisplayFragmentTimestamp, "displayFragmentTimestamp");
        var (kind, start, end) = ParseSelector(input.HlsFragmentSelector, "HLSFragmentSelector", "hLSFragmentSelector", mode, now);

        // KVS's default follows the selector: server time is trusted to be continuous, producer time is not.
        var discontinuity = input.DiscontinuityMode switch
        {
            null => kind == FragmentSelectorKind.ServerTimestamp ? HlsDiscontinuityMode.Always : HlsDiscontinuityMode.Never,
            "ALWAYS" => HlsDiscontinuityMode.Always,
            "NEVER" => HlsDiscontinuityMode.Never,
            "ON_DISCONTINUITY" => HlsDiscontinuityMode.OnDiscontinuity,
            var other => throw KvsValidation.ConstraintViolation(other, "discontinuityMode", "Member must satisfy enum value set: [ALWAYS, NEVER, ON_DISCONTINUITY]"),
        };
        var expires = ParseExpires(input.Expires);
        var maxResults = ParseMaxResults(input.MaxMediaPlaylistFragmentResults, mode, "maxMediaPlaylistFragmentResults");
        return new HlsSessionParameters
        {
            Stream = stream,
            PlaybackMode = mode,
            ContainerFormat = container,
            DiscontinuityMode = discontinuity,
            DisplayFragmentTimestamp = displayTimestamp,
            SelectorKind = kind,
            StartTimestamp = start,
            EndTimestamp = end,
            ExpiresSeconds = expires,
            MaxFragmentResults = maxResults,
        };
    }

    /// <summary>GetClip: a selector with type and a closed range, every member required.</summary>
    public static ClipParameters ValidateClip(GetClipInput input, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(input);
        var stream = StreamIdentity.Parse(input.StreamName, input.StreamARN);
        var selector = input.ClipFragmentSelector
            ?? throw KvsValidation.ConstraintViolation(null, "clipFragmentSelector", "Member must not be null");
        if (selector.FragmentSelectorType is null)
        {
            throw KvsValidation.ConstraintViolation(null, "clipFragmentSelector.fragmentSelectorType", "Member must not be null");
        }

        if (selector.TimestampRange is null)
        {
            throw KvsValidation.ConstraintViolation(null, "clipFragmentSelector.timestampRange", "Member must not be null");
        }

        if (selector.TimestampRange.EndTimestamp is null)
        {
            throw KvsValidation.ConstraintViolation(null, "clipFragmentSelector.timestampRange.endTimestamp", "Member must not be null");
        }

        var (kind, start, end) = ParseSelector(selector, "ClipFragmentSelector", "clipFragmentSelector", PlaybackMode.OnDemand, now);
        return new ClipParameters(stream, kind, start!.Value, end!.Value);
    }

    private static PlaybackMode ParseMode(string? text)
    {
        var mode = PlaybackMode.Live;
        if (text is not null && !WireValues.TryParsePlaybackMode(text, out mode))
        {
            throw KvsValidation.ConstraintViolation(text, "playbackMode", "Member must satisfy enum value set: [LIVE, LIVE_REPLAY, ON_DEMAND]");
        }

        return mode;
    }

    private static (FragmentSelectorKind Kind, DateTimeOffset? Start, DateTimeOffset? End) ParseSelector(FragmentSelector? selector, string name, string member, PlaybackMode mode, DateTimeOffset now)
    {
        var kind = FragmentSelectorKind.ServerTimestamp;
        if (selector?.FragmentSelectorType is { } kindText && !WireValues.TryParseSelector(kindText, out kind))
        {
            throw KvsValidation.ConstraintViolation(kindText, member + ".fragmentSelectorType", "Member must satisfy enum value set: [PRODUCER_TIMESTAMP, SERVER_TIMESTAMP]");
        }

        var range = selector?.TimestampRange;
        if (mode == PlaybackMode.Live && range is not null)
        {
            throw KvsException.InvalidArgument($"{name}.TimestampRange must not be set when PlaybackMode is LIVE.");
        }

        if (mode != PlaybackMode.Live && range is null)
        {
            throw KvsException.InvalidArgument($"{name} with a TimestampRange is required when PlaybackMode is {mode.ToWire()}.");
        }

        if (range is null)
        {
            return (kind, null, null);
        }

        var start = range.StartTimestamp
            ?? throw KvsException.InvalidArgument("TimestampRange.StartTimestamp is required when a TimestampRange is specified.");
        var end = range.EndTimestamp;
        if (end is null && mode == PlaybackMode.OnDemand)
        {
            throw KvsException.InvalidArgument("TimestampRange.EndTimestamp is required when PlaybackMode is ON_DEMAND.");
        }

        if (end is { } e)
        {
            if (e <= start)
            {
                throw KvsException.InvalidArgument("TimestampRange.EndTimestamp must be later than TimestampRange.StartTimestamp.");
            }

            if (e - start > MaxRange)
            {
                throw KvsException.InvalidArgument("TimestampRange.EndTimestamp must be within 24 hours of TimestampRange.StartTimestamp.");
            }

            if (kind == FragmentSelectorKind.ServerTimestamp && e > now)
            {
                throw KvsException.InvalidArgument("TimestampRange.EndTimestamp must be in the past when FragmentSelectorType is SERVER_TIMESTAMP.");
            }
        }

        return (kind, start, end);
    }

    private static int ParseExpires(int? value)
    {
        var expires = value ?? DefaultExpires;
        if (expires is < MinExpires or > MaxExpires)
        {
            throw KvsValidation.ConstraintViolation(expires, "expires", $"Member must have value between {MinExpires} and {MaxExpires}");
        }

        return expires;
    }

    private static int ParseMaxResults(long? value, PlaybackMode mode, string member)
    {
        var maxResults = value ?? (mode == PlaybackMode.OnDemand ? 1000 : 5);
        if (maxResults is < 1 or > MaxFragmentResults)
        {
            throw KvsValidation.ConstraintViolation(maxResults, member, $"Member must have value between 1 and {MaxFragmentResults}");
        }

        return (int)maxResults;
    }

    private static bool ParseDisplay(string? value, string member) => value switch
    {
        null or WireValues.Never => false,
        WireValues.Always => true,
        _ => throw KvsValidation.ConstraintViolation(value, member, "Member must satisfy enum value set: [ALWAYS, NEVER]"),
    };
}
