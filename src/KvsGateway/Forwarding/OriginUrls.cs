namespace KvsGateway.Forwarding;

/// <summary>Maps a gateway playback request to the origin URL it stands for.</summary>
public static class OriginUrls
{
    /// <summary>
    /// The origin URL for <paramref name="fileName"/> beside the origin manifest, carrying the client's
    /// query with the gateway token swapped for the origin's token.
    /// </summary>
    public static Uri ForFragment(string originSessionUrl, string fileName, string rawQuery)
    {
        ArgumentNullException.ThrowIfNull(originSessionUrl);
        ArgumentNullException.ThrowIfNull(rawQuery);
        var manifest = new Uri(originSessionUrl);
        var originToken = FindParameter(manifest.Query, "SessionToken") ?? string.Empty;
        var parts = rawQuery.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].StartsWith("SessionToken=", StringComparison.Ordinal))
            {
                parts[i] = "SessionToken=" + originToken;
            }
        }

        return new Uri(manifest, fileName + "?" + string.Join('&', parts));
    }

    private static string? FindParameter(string query, string name)
    {
        foreach (var part in query.TrimStart('?').Split('&'))
        {
            if (part.StartsWith(name + "=", StringComparison.Ordinal))
            {
                return part[(name.Length + 1)..];
            }
        }

        return null;
    }
}
