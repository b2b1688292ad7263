using System.Text;
using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.Emulator.Streams;

/// <summary>ListFragments: filtered by the selector, paged by a token that names the last fragment listed.</summary>
public static class ListFragmentsHandler
{
    public static ListFragmentsOutput List(StreamStore store, ListFragmentsInput input)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(input);
        var identity = ListFragmentsRequestValidator.Validate(input);
        var max = input.MaxResults ?? ListFragmentsRequestValidator.DefaultMaxResults;
        var after = input.NextToken is { } token ? DecodeToken(token) : null;
        var kind = FragmentSelectorKind.ServerTimestamp;
        DateTimeOffset? start = null, end = null;
        if (input.FragmentSelector is { } selector)
        {
            WireValues.TryParseSelector(selector.FragmentSelectorType!, out kind);
            start = selector.TimestampRange!.StartTimestamp;
            end = selector.TimestampRange.EndTimestamp;
        }

        var output = new ListFragmentsOutput();
        string? last = null;
        foreach (var fragment in store.GetFragments(identity))
        {
            if (after is not null && FragmentNumberSequence.Compare(fragment.FragmentNumber, after) <= 0)
            {
                continue;
            }

            var ts = kind == FragmentSelectorKind.ServerTimestamp ? fragment.ServerTimestamp : fragment.ProducerTimestamp;
            if ((start is { } s && ts < s) || (end is { } e && ts > e))
            {
                continue;
            }

            if (output.Fragments.Count == max)
            {
                output.NextToken = EncodeToken(last!);
                break;
            }

            output.Fragments.Add(new Fragment
            {
                FragmentNumber = fragment.FragmentNumber,
                FragmentSizeInBytes = fragment.SizeInBytes,
                ProducerTimestamp = fragment.ProducerTimestamp,
                ServerTimestamp = fragment.ServerTimestamp,
                FragmentLengthInMilliseconds = fragment.DurationMs,
            });
            last = fragment.FragmentNumber;
        }

        return output;
    }

    private static string EncodeToken(string fragmentNumber) => Convert.ToBase64String(Encoding.ASCII.GetBytes("after:" + fragmentNumber));

    private static string DecodeToken(string token)
    {
        try
        {
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(token));
            if (text.StartsWith("after:", StringComparison.Ordinal) && text.Length > 6 && text[6..].All(char.IsAsciiDigit))
            {
                return text[6..];
            }
        }
        catch (FormatException)
        {
        }

        throw KvsException.InvalidArgument("NextToken is not valid.");
    }
}
