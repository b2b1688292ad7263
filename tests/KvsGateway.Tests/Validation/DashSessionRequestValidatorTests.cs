using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.Tests.Validation;

public sealed class DashSessionRequestValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Defaults_are_applied_as_KVS_documents_them()
    {
        var live = SessionRequestValidator.ValidateDash(new GetDashStreamingSessionUrlInput { StreamName = "cam" }, Now);
        Assert.Equal(PlaybackMode.Live, live.PlaybackMode);
        Assert.Equal(300, live.ExpiresSeconds);
        Assert.Equal(5, live.MaxFragmentResults);
        Assert.False(live.DisplayFragmentNumber);
        Assert.False(live.DisplayFragmentTimestamp);
        Assert.Equal(FragmentSelectorKind.ServerTimestamp, live.SelectorKind);

        var onDemand = SessionRequestValidator.ValidateDash(OnDemand(Now.AddMinutes(-10), Now.AddMinutes(-1)), Now);
        Assert.Equal(1000, onDemand.MaxFragmentResults);
    }

    public static TheoryData<string, GetDashStreamingSessionUrlInput, string> Violations() => new()
    {
        { "no stream", new GetDashStreamingSessionUrlInput(), "StreamName or StreamARN" },
        { "both", new GetDashStreamingSessionUrlInput { StreamName = "a", StreamARN = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/a/1" }, "not both" },
        { "bad name", new GetDashStreamingSessionUrlInput { StreamName = "a b" }, "streamName" },
        { "bad arn", new GetDashStreamingSessionUrlInput { StreamARN = "arn:nope" }, "streamARN" },
        { "bad mode", new GetDashStreamingSessionUrlInput { StreamName = "a", PlaybackMode = "REPLAY" }, "playbackMode" },
        { "bad display", new GetDashStreamingSessionUrlInput { StreamName = "a", DisplayFragmentNumber = "SOMETIMES" }, "displayFragmentNumber" },
        { "bad selector", new GetDashStreamingSessionUrlInput { StreamName = "a", DashFragmentSelector = new FragmentSelector { FragmentSelectorType = "CLOCK" } }, "fragmentSelectorType" },
        { "range in live", new GetDashStreamingSessionUrlInput { StreamName = "a", DashFragmentSelector = new FragmentSelector { TimestampRange = new TimestampRange { StartTimestamp = Now.AddHours(-1) } } }, "must not be set when PlaybackMode is LIVE" },
        { "on demand without selector", new GetDashStreamingSessionUrlInput { StreamName = "a", PlaybackMode = "ON_DEMAND" }, "required when PlaybackMode is ON_DEMAND" },
        { "replay without selector", new GetDashStreamingSessionUrlInput { StreamName = "a", PlaybackMode = "LIVE_REPLAY" }, "required when PlaybackMode is LIVE_REPLAY" },
        { "no start", OnDemand(null, Now.AddHours(-1)), "StartTimestamp is required" },
        { "no end on demand", OnDemand(Now.AddHours(-1), null), "EndTimestamp is required" },
        { "end before start", OnDemand(Now.AddHours(-1), Now.AddHours(-2)), "later than" },
        { "end equals start", OnDemand(Now.AddHours(-1), Now.AddHours(-1)), "later than" },
        { "over 24 h", OnDemand(Now.AddHours(-30), Now.AddHours(-5)), "within 24 hours" },
        { "server end in future", OnDemand(Now.AddHours(-1), Now.AddMinutes(1)), "in the past" },
        { "expires low", new GetDashStreamingSessionUrlInput { StreamName = "a", Expires = 299 }, "expires" },
        { "expires high", new GetDashStreamingSessionUrlInput { StreamName = "a", Expires = 43_201 }, "expires" },
        { "max results low", new GetDashStreamingSessionUrlInput { StreamName = "a", MaxManifestFragmentResults = 0 }, "maxManifestFragmentResults" },
        { "max results high", new GetDashStreamingSessionUrlInput { StreamName = "a", MaxManifestFragmentResults = 5001 }, "maxManifestFragmentResults" },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void Each_violation_is_an_invalid_argument_naming_the_field(string rule, GetDashStreamingSessionUrlInput input, string expected)
    {
        var error = Assert.Throws<KvsException>(() => SessionRequestValidator.ValidateDash(input, Now));
        Assert.Equal(KvsErrorTypes.InvalidArgument, error.ErrorType);
        Assert.Equal(400, error.StatusCode);
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{rule}: '{error.Message}' lacks '{expected}'");
    }

    [Fact]
    public void Producer_timestamps_may_end_in_the_future_and_live_replay_may_leave_the_end_open()
    {
        var producer = OnDemand(Now.AddHours(-1), Now.AddHours(1));
        producer.DashFragmentSelector!.FragmentSelectorType = "PRODUCER_TIMESTAMP";
        Assert.Equal(FragmentSelectorKind.ProducerTimestamp, SessionRequestValidator.ValidateDash(producer, Now).SelectorKind);

        var replay = OnDemand(Now.AddHours(-1), null);
        replay.PlaybackMode = "LIVE_REPLAY";
        Assert.Null(SessionRequestValidator.ValidateDash(replay, Now).EndTimestamp);
    }

    private static GetDashStreamingSessionUrlInput OnDemand(DateTimeOffset? start, DateTimeOffset? end) => new()
    {
        StreamName = "cam",
        PlaybackMode = "ON_DEMAND",
        DashFragmentSelector = new FragmentSelector { FragmentSelectorType = "SERVER_TIMESTAMP", TimestampRange = new TimestampRange { StartTimestamp = start, EndTimestamp = end } },
    };
}
