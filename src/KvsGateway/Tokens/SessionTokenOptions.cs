namespace KvsGateway.Tokens;

/// <summary>
/// Section <c>Tokens</c>: the keys that encrypt session tokens (64 bytes each, base64, for
/// A256CBC-HS512). New tokens use <see cref="ActiveKeyId"/>; the other keys still decrypt.
/// </summary>
public sealed class SessionTokenOptions
{
    public const string SectionName = "Tokens";

    public string ActiveKeyId { get; set; } = string.Empty;

    public Dictionary<string, string> Keys { get; } = new(StringComparer.Ordinal);
}
