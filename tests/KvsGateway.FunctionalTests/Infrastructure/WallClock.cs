namespace KvsGateway.FunctionalTests.Infrastructure;

/// <summary>
/// Some KVS rules compare times with the emulator's clock, the wall clock in these tests: a range's
/// EndTimestamp must be in the past (and the SDKs send whole seconds), a session's manifests come at
/// most five a second. Tests wait until the clock has passed the instant such a rule needs, named
/// for the rule, never for a guessed duration.
/// </summary>
internal static class WallClock
{
    /// <summary>Returns once the wall clock is past <paramref name="instant"/>.</summary>
    public static async Task PassesAsync(DateTimeOffset instant)
    {
        while (DateTimeOffset.UtcNow <= instant)
        {
            var remaining = instant - DateTimeOffset.UtcNow;
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(remaining.TotalMilliseconds, 1, 50)));
        }
    }

    /// <summary>
    /// After an ingest that ended at <paramref name="ingestEnded"/>: every fragment's server timestamp
    /// is a whole second in the past, so a range ending now (in whole seconds) covers them all.
    /// </summary>
    public static Task IngestInThePastAsync(DateTimeOffset ingestEnded) => PassesAsync(ingestEnded.AddSeconds(1));

    /// <summary>The next one-second quota window of the emulator has begun.</summary>
    public static Task NextSecondAsync()
    {
        var now = DateTimeOffset.UtcNow;
        return PassesAsync(DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + 1));
    }
}
