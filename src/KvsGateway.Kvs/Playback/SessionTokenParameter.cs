namespace KvsGateway.Kvs.Playback;

/// <summary>
/// The <c>SessionToken</c> query parameter of KVS playback URLs: the one parameter the gateway reads
/// and swaps; every other parameter is passed through exactly as written.
/// </summary>
public static class SessionTokenParameter
{
    private const string Prefix = "SessionToken=";

    /// <summary>The raw (still escaped) token of a query string, or null.</summary>
    public static string? Find(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        foreach (var part in query.TrimStart('?').Split('&'))
        {
            if (part.StartsWith(Prefix, StringComparison.Ordinal))
            {
                return part[Prefix.Length..];
            }
        }

        return null;
    }

    /// <summary>The query (without '?') with the token's value replaced; the other parameters untouched.</summary>
    public static string Replace(string query, string token)
    {
        ArgumentNullException.ThrowIfNull(query);
        var parts = query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].StartsWith(Prefix, StringComparison.Ordinal))
            {
                parts[i] = Prefix + token;
            }
        }

        return string.Join('&', parts);
    }
}
