using System.Text.RegularExpressions;

namespace KvsGateway.Kvs.Redaction;

/// <summary>
/// Blanks what must never reach a log: session tokens (ours and the origin's) in URLs, SigV4
/// signatures, security tokens, bearer credentials and anything shaped like a JWT or JWE.
/// Framework logs quote full request and proxy URLs, so redaction happens at the logger.
/// </summary>
public static partial class SecretRedactor
{
    public const string Mask = "[redacted]";

    private static readonly string[] Markers = ["SessionToken", "Signature", "Security-Token", "Bearer", "eyJ", "Credential="];

    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var suspicious = false;
        foreach (var marker in Markers)
        {
            if (text.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                suspicious = true;
                break;
            }
        }

        return suspicious ? Secrets().Replace(text, static m => m.Groups["keep"].Value + Mask) : text;
    }

    [GeneratedRegex(
        """(?<keep>(?:SessionToken|X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential)=)[^&\s"'<>]+|(?<keep>Signature=)[0-9a-fA-F]{16,}|(?<keep>Bearer\s+)[A-Za-z0-9._~+/=-]+|(?<keep>)eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_.-]*""",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Secrets();
}
