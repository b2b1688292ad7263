using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Validation;

namespace KvsGateway.Emulator.Dash;

/// <summary>Which stored fragments a session lists, per the KVS selector rules.</summary>
public static class FragmentSelection
{
    public static DateTimeOffset TimestampOf(FragmentIndexEntry fragment, FragmentSelectorKind kind)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        return kind == FragmentSelectorKind.ServerTimestamp ? fragment.ServerTimestamp : fragment.ProducerTimestamp;
    }

    /// <summary>
    /// ON_DEMAND: the oldest fragments whose start lies in [start, end] (both inclusive), up to the maximum.
    /// With producer timestamps, of fragments starting at the same time only the larger number is kept.
    /// </summary>
    public static IReadOnlyList<FragmentIndexEntry> OnDemand(IReadOnlyList<FragmentIndexEntry> fragments, DashSessionParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(fragments);
        ArgumentNullException.ThrowIfNull(parameters);
        var kind = parameters.SelectorKind;
        var start = parameters.StartTimestamp ?? DateTimeOffset.MinValue;
        var end = parameters.EndTimestamp ?? DateTimeOffset.MaxValue;
        var inRange = fragments
            .Where(f => TimestampOf(f, kind) >= start && TimestampOf(f, kind) <= end)
            .OrderBy(f => TimestampOf(f, kind))
            .ThenBy(f => f.FragmentNumber.Length)
            .ThenBy(f => f.FragmentNumber, StringComparer.Ordinal);
        var selected = new List<FragmentIndexEntry>();
        foreach (var fragment in inRange)
        {
            if (kind == FragmentSelectorKind.ProducerTimestamp && selected.Count > 0
                && TimestampOf(selected[^1], kind) == TimestampOf(fragment, kind))
            {
                selected[^1] = fragment;
                continue;
            }

            if (selected.Count == parameters.MaxManifestFragmentResults)
            {
                break;
            }

            selected.Add(fragment);
        }

        return selected;
    }
}
