using System.Text;
using KvsGateway.Emulator.Storage;
using KvsGateway.Kvs.Errors;
using KvsGateway.Kvs.Validation;
using KvsGateway.Kvs.Wire;

namespace KvsGateway.Emulator.Streams;

/// <summary>ListStreams and DescribeStream's view of a stream.</summary>
public static class StreamListing
{
    public static ListStreamsOutput List(StreamStore store, ListStreamsInput input)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(input);
        var max = input.MaxResults ?? 10_000;
        if (max is < 1 or > 10_000)
        {
            throw KvsValidation.ConstraintViolation(max, "maxResults", "Member must have value between 1 and 10000");
        }

        string? prefix = null;
        if (input.StreamNameCondition is { } condition)
        {
            if (condition.ComparisonOperator is not (null or "BEGINS_WITH"))
            {
                throw KvsValidation.ConstraintViolation(condition.ComparisonOperator, "streamNameCondition.comparisonOperator", "Member must satisfy enum value set: [BEGINS_WITH]");
            }

            prefix = condition.ComparisonValue;
        }

        string? after = null;
        if (input.NextToken is { } token)
        {
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                throw KvsException.InvalidArgument("NextToken is not valid.");
            }
        }

        var output = new ListStreamsOutput();
        foreach (var record in store.List())
        {
            if ((prefix is not null && !record.StreamName.StartsWith(prefix, StringComparison.Ordinal))
                || (after is not null && string.CompareOrdinal(record.StreamName, after) <= 0))
            {
                continue;
            }

            if (output.StreamInfoList.Count == max)
            {
                output.NextToken = Convert.ToBase64String(Encoding.UTF8.GetBytes(output.StreamInfoList[^1].StreamName!));
                break;
            }

            output.StreamInfoList.Add(ToInfo(record));
        }

        return output;
    }

    public static StreamInfo ToInfo(StreamRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new StreamInfo
        {
            StreamName = record.StreamName,
            StreamARN = record.StreamArn,
            DeviceName = record.DeviceName,
            MediaType = record.MediaType,
            KmsKeyId = record.KmsKeyId,
            Version = record.Version,
            Status = record.Status,
            CreationTime = record.CreationTime,
            DataRetentionInHours = record.DataRetentionInHours,
        };
    }
}
