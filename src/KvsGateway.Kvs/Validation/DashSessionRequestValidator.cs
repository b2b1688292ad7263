using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.Kvs.Validation;

/// <summary>
/// The rules of GetDASHStreamingSessionURL that need no stream data. The emulator and the gateway
/// both call this one validator, so they answer a bad request the same way.
/// </summary>
public static class DashSessionRequestValidator
{
    public const int MinExpires = 300;
    public const int MaxExpires = 43_200;
    public const int DefaultExpires = 300;
    public const int MaxFragmentResults = 5000;
    public static readonly TimeSpan MaxRange = TimeSpan.FromHours(24);

    public static DashSessionParameters Validate(GetDashStreamingSessionUrlInput input, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(input);
        var stream = StreamIdentity.Parse(input.StreamName, input.StreamARN);

        var mode = DashPlaybackMode.Live;
        if (input.PlaybackMode is { } modeText && !WireValues.TryParsePlaybackMode(modeText, out mode))
        {
            throw KvsValidation.ConstraintViolation(modeText, "playbackMode", "Member must satisfy enum value set: [LIVE, LIVE_REPLAY, ON_DEMAND]");
        }

        var displayTimestamp = ParseDisplay(input.DisplayFragmentTimestamp, "displayFragmentTimestamp");
        var displayNumber = ParseDisplay(input.DisplayFragmentNumber, "displayFragmentNumber");

        var selector = input.DashFragmentSelector;
        var kind = FragmentSelectorKind.ServerTimestamp;
        if (selector?.FragmentSelectorType is { } kindText && !WireValues.TryParseSelector(kindText, out kind))
        {
            throw KvsValidation.ConstraintViolation(kindText, "dASHFragmentSelector.fragmentSelectorType", "Member must satisfy enum value set: [PRODUCER_TIMESTAMP, SERVER_TIMESTAMP]");
        }

        var range = selector?.TimestampRange;
        if (mode == DashPlaybackMode.Live && range is not null)
        {
            throw KvsException.InvalidArgument("DASHFragmentSelector.TimestampRange must not be set when PlaybackMode is LIVE.");
        }

        if (mode != DashPlaybackMode.Live && range is null)
        {
            throw KvsException.InvalidArgument($"DASHFragmentSelector with a TimestampRange is required when PlaybackMode is {mode.ToWire()}.");
        }

        DateTimeOffset? start = null, end = null;
        if (range is not null)
        {
            start = range.StartTimestamp
                ?? throw KvsException.InvalidArgument("TimestampRange.StartTimestamp is required when a TimestampRange is specified.");
            end = range.EndTimestamp;
            if (end is null && mode == DashPlaybackMode.OnDemand)
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
        }

        var expires = input.Expires ?? DefaultExpires;
        if (expires is < MinExpires or > MaxExpires)
        {
            throw KvsValidation.ConstraintViolation(expires, "expires", $"Member must have value between {MinExpires} and {MaxExpires}");
        }

        var maxResults = input.MaxManifestFragmentResults ?? (mode == DashPlaybackMode.OnDemand ? 1000 : 5);
        if (maxResults is < 1 or > MaxFragmentResults)
        {
            throw KvsValidation.ConstraintViolation(maxResults, "maxManifestFragmentResults", $"Member must have value between 1 and {MaxFragmentResults}");
        }

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
            MaxManifestFragmentResults = (int)maxResults,
        };
    }

    private static bool ParseDisplay(string? value, string member) => value switch
    {
        null or WireValues.Never => false,
        WireValues.Always => true,
        _ => throw KvsValidation.ConstraintViolation(value, member, "Member must satisfy enum value set: [ALWAYS, NEVER]"),
    };
}
