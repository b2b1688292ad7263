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
        var identity = StreamIdentity.Parse(input.StreamName, input.StreamARN);
        var max = input.MaxResults ?? 100;
        if (max is < 1 or > 1000)
        {
            throw KvsValidation.ConstraintViolation(max, "maxResults", "Member must have value between 1 and 1000");
        }

        string? after = null;
        if (input.NextToken is { } token)
        {
            after = DecodeToken(token);
        }
        else if (input.FragmentSelector is { } selectorCheck && selectorCheck.TimestampRange is null)
        {
            throw KvsException.InvalidArgument("FragmentSelector.TimestampRange is required when a FragmentSelector is specified.");
        }

        var kind = FragmentSelectorKind.ServerTimestamp;
        DateTimeOffset? start = null, end = null;
        if (input.FragmentSelector is { } selector)
        {
            if (selector.FragmentSelectorType is { } text && !WireValues.TryParseSelector(text, out kind))
            {
                throw KvsValidation.ConstraintViolation(text, "fragmentSelector.fragmentSelectorType", "Member must satisfy enum value set: [PRODUCER_TIMESTAMP, SERVER_TIMESTAMP]");
            }

            start = selector.TimestampRange?.StartTimestamp;
            end = selector.TimestampRange?.EndTimestamp;
            if (selector.TimestampRange is not null && (start is null || end is null))
            {
                throw KvsException.InvalidArgument("TimestampRange requires both StartTimestamp and EndTimestamp.");
            }

            if (start > end)
            {
                throw KvsException.InvalidArgument("TimestampRange.StartTimestamp must not be later than EndTimestamp.");
            }
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
