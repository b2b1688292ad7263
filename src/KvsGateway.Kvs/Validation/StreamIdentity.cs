using System.Text.RegularExpressions;
using KvsGateway.Kvs.Errors;

namespace KvsGateway.Kvs.Validation;

/// <summary>A stream named by exactly one of StreamName and StreamARN, both checked against the KVS patterns.</summary>
public sealed partial record StreamIdentity(string? StreamName, string? StreamArn)
{
    /// <summary>The stream name, from the name itself or from the ARN's resource part.</summary>
    public string Name => StreamName ?? NameFromArn(StreamArn!);

    public static StreamIdentity Parse(string? streamName, string? streamArn)
    {
        if (streamName is null && streamArn is null)
        {
            throw KvsException.InvalidArgument("Either StreamName or StreamARN must be specified.");
        }

        if (streamName is not null && streamArn is not null)
        {
            throw KvsException.InvalidArgument("Specify either StreamName or StreamARN, not both.");
        }

        if (streamName is not null && (streamName.Length is < 1 or > 256 || !NamePattern().IsMatch(streamName)))
        {
            throw KvsValidation.ConstraintViolation(streamName, "streamName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 1 and 256");
        }

        if (streamArn is not null && (streamArn.Length is < 1 or > 1024 || !ArnPattern().IsMatch(streamArn)))
        {
            throw KvsValidation.ConstraintViolation(streamArn, "streamARN", "Member must satisfy regular expression pattern: arn:[a-z\\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+/[a-zA-Z0-9_.-]+/[0-9]+");
        }

        return new StreamIdentity(streamName, streamArn);
    }

    public static string NameFromArn(string arn)
    {
        var parts = arn.Split('/');
        return parts.Length >= 3 ? parts[^2] : arn;
    }

    [GeneratedRegex("^[a-zA-Z0-9_.-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+/[a-zA-Z0-9_.-]+/[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ArnPattern();
}
