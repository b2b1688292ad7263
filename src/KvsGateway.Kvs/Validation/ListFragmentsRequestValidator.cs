using System.Text.RegularExpressions;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.Kvs.Validation;

/// <summary>The model's rules of ListFragments (kvs-hls-clip-api.md §8); the emulator and the gateway both call it.</summary>
public static partial class ListFragmentsRequestValidator
{
    public const long DefaultMaxResults = 100;

    /// <summary>The stream the request names; throws KVS's error for the first rule it breaks.</summary>
    public static StreamIdentity Validate(ListFragmentsInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var stream = StreamIdentity.Parse(input.StreamName, input.StreamARN);
        if (input.MaxResults is { } max && max is < 1 or > 1000)
        {
            throw KvsValidation.ConstraintViolation(max, "maxResults", "Member must have value between 1 and 1000");
        }

        if (input.NextToken is { } token && (token.Length is < 1 or > 4096 || !TokenPattern().IsMatch(token)))
        {
            throw KvsValidation.ConstraintViolation(token.Length > 64 ? token[..64] + "…" : token, "nextToken", "Member must satisfy regular expression pattern: [a-zA-Z0-9+/]+={0,2}");
        }

        if (input.FragmentSelector is { } selector)
        {
            if (selector.FragmentSelectorType is null)
            {
                throw KvsValidation.ConstraintViolation(null, "fragmentSelector.fragmentSelectorType", "Member must not be null");
            }

            if (!WireValues.TryParseSelector(selector.FragmentSelectorType, out _))
            {
                throw KvsValidation.ConstraintViolation(selector.FragmentSelectorType, "fragmentSelector.fragmentSelectorType", "Member must satisfy enum value set: [PRODUCER_TIMESTAMP, SERVER_TIMESTAMP]");
            }

            if (selector.TimestampRange is not { StartTimestamp: { } start, EndTimestamp: { } end })
            {
                throw KvsValidation.ConstraintViolation(null, "fragmentSelector.timestampRange", "Member must not be null, and must have StartTimestamp and EndTimestamp");
            }

            if (start > end)
            {
                throw KvsException.InvalidArgument("TimestampRange.StartTimestamp must not be later than EndTimestamp.");
            }
        }

        return stream;
    }

    [GeneratedRegex("^[a-zA-Z0-9+/]+={0,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();
}
