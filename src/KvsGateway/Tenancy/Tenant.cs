namespace KvsGateway.Tenancy;

/// <summary>A tenant resolved for one request.</summary>
public sealed record Tenant(string Name, TenantDefinition Definition)
{
    /// <summary>Whether the tenant's scope covers the stream (by name pattern or full ARN).</summary>
    public bool MayAccess(string streamName, string? streamArn)
    {
        foreach (var pattern in Definition.Streams)
        {
            if (pattern.StartsWith("arn:", StringComparison.Ordinal))
            {
                if (streamArn is not null && WildcardMatch(pattern, streamArn))
                {
                    return true;
                }
            }
            else if (WildcardMatch(pattern, streamName))
            {
                return true;
            }
        }

        return false;
    }

    internal static bool WildcardMatch(string pattern, string value)
    {
        var p = 0;
        var v = 0;
        int star = -1, mark = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && pattern[p] == value[v])
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
