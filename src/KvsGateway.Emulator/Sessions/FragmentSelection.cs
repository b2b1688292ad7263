using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Validation;

namespace KvsGateway.Emulator.Sessions;

/// <summary>Which stored fragments a session may list, per the KVS selector rules.</summary>
public static class FragmentSelection
{
    /// <summary>Producer ranges ingested this far apart count as different collections; only the oldest-ingested is kept.</summary>
    public static readonly TimeSpan ReingestGap = TimeSpan.FromMinutes(1);

    public static DateTimeOffset TimestampOf(FragmentIndexEntry fragment, FragmentSelectorKind kind)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        return kind == FragmentSelectorKind.ServerTimestamp ? fragment.ServerTimestamp : fragment.ProducerTimestamp;
    }

    /// <summary>
    /// Fragments whose start lies in [start, end] (both inclusive, compared with the fragment start),
    /// in selector-time order. With producer timestamps: overlapping fragments ingested far apart keep
    /// only the oldest-ingested; of fragments starting at the same time the larger number wins.
    /// </summary>
    public static List<FragmentIndexEntry> InRange(IReadOnlyList<FragmentIndexEntry> fragments, FragmentSelectorKind kind, DateTimeOffset? start, DateTimeOffset? end)
    {
        ArgumentNullException.ThrowIfNull(fragments);
        var from = start ?? DateTimeOffset.MinValue;
        var to = end ?? DateTimeOffset.MaxValue;
        var ordered = fragments
            .Where(f => TimestampOf(f, kind) >= from && TimestampOf(f, kind) <= to)
            .OrderBy(f => TimestampOf(f, kind))
            .ThenBy(f => f.FragmentNumber.Length)
            .ThenBy(f => f.FragmentNumber, StringComparer.Ordinal)
            .ToList();
        if (kind == FragmentSelectorKind.ServerTimestamp)
        {
            return ordered;
        }

        var accepted = new List<FragmentIndexEntry>(ordered.Count);
        foreach (var fragment in ordered)
        {
            var dropped = false;
            for (var i = accepted.Count - 1; i >= 0 && End(accepted[i]) > fragment.ProducerTimestamp; i--)
            {
                var other = accepted[i];
                if ((fragment.ServerTimestamp - other.ServerTimestamp).Duration() <= ReingestGap)
                {
                    continue;
                }

                if (fragment.ServerTimestamp > other.ServerTimestamp)
                {
                    dropped = true;
                    break;
                }

                accepted.RemoveAt(i);
            }

            if (dropped)
            {
                continue;
            }

            if (accepted.Count > 0 && accepted[^1].ProducerTimestamp == fragment.ProducerTimestamp)
            {
                // Ordered by number, so this one is the larger.
                accepted[^1] = fragment;
                continue;
            }

            accepted.Add(fragment);
        }

        return accepted;
    }

    /// <summary>LIVE: the newest fragments by server time, up to <paramref name="max"/>, newer than <paramref name="after"/>.</summary>
    public static List<FragmentIndexEntry> Newest(IReadOnlyList<FragmentIndexEntry> fragments, int max, FragmentIndexEntry? after)
    {
        ArgumentNullException.ThrowIfNull(fragments);
        var newer = fragments
            .Where(f => after is null || (f.ServerTimestamp > after.ServerTimestamp && FragmentNumberSequence.Compare(f.FragmentNumber, after.FragmentNumber) > 0))
            .OrderBy(f => f.ServerTimestamp)
            .ThenBy(f => f.FragmentNumber.Length)
            .ThenBy(f => f.FragmentNumber, StringComparer.Ordinal)
            .ToList();
        return newer.Count > max ? newer.GetRange(newer.Count - max, max) : newer;
    }

    private static DateTimeOffset End(FragmentIndexEntry fragment) => fragment.ProducerTimestamp.AddMilliseconds(fragment.DurationMs);
}
